// The process environment as an injected dependency: code that reads
// environment variables takes an EnvironmentLookup, so tests hand it a map
// instead of modifying the process environment.

#ifndef TESSERA_BASE_ENVIRONMENT_H_
#define TESSERA_BASE_ENVIRONMENT_H_

#include <functional>
#include <optional>
#include <string>

namespace tessera {

// Reads environment variables; returns nullopt for unset ones.
using EnvironmentLookup = std::function<std::optional<std::string>(const char* name)>;

// The process environment.
std::optional<std::string> ProcessEnvironment(const char* name);

}  // namespace tessera

#endif  // TESSERA_BASE_ENVIRONMENT_H_
