// An engine's release, as the agent's configuration states it
// (engines.<name>.version), for flags whose spelling changed between
// releases: vLLM's speculative decoding moved from --speculative-model to
// --speculative-config, and multi-step scheduling left with the V0 engine.

#ifndef TESSERA_ENGINE_ADAPTERS_ENGINE_VERSION_H_
#define TESSERA_ENGINE_ADAPTERS_ENGINE_VERSION_H_

#include <compare>
#include <string>
#include <string_view>

#include "base/status.h"

namespace tessera::adapters {

struct EngineVersion {
  int major = 0;
  int minor = 0;
  int patch = 0;

  std::string ToString() const;
  friend auto operator<=>(const EngineVersion&, const EngineVersion&) = default;
};

// "0.6.6", "0.9", "0.6.6.post1", "0.9.0+rocm6.3": the leading
// major.minor[.patch] numbers; what follows a '.', '+' or '-' after them is
// a build tag and ignored. InvalidArgument quoting `text` otherwise.
StatusOr<EngineVersion> ParseEngineVersion(std::string_view text);

// The first vLLM release whose argument parser has --speculative-config and
// whose default engine is V1 (no multi-step scheduling).
inline constexpr EngineVersion kVllmV1{.major = 0, .minor = 8, .patch = 0};

}  // namespace tessera::adapters

#endif  // TESSERA_ENGINE_ADAPTERS_ENGINE_VERSION_H_
