#include "base/environment.h"

#include <cstdlib>

namespace tessera {

std::optional<std::string> ProcessEnvironment(const char* name) {
  // Tessera never modifies its environment after start-up, which is what
  // makes reading it from any thread safe.
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

}  // namespace tessera
