// The engines Tessera launches, and whose metric names they expose.

#ifndef TESSERA_WIRE_ENGINE_KIND_H_
#define TESSERA_WIRE_ENGINE_KIND_H_

#include <string_view>

#include "base/status.h"

namespace tessera::wire {

// kRouter is not an inference engine but tessera-router, the deployment's
// OpenAI endpoint, which agents run as a worker of role router through the
// same allow-list, supervision and adapters as the engines.
enum class EngineKind { kVllm, kSglang, kSim, kRouter };

// Whose metric names an engine exposes on /metrics. kRouter is
// tessera-router's: its requests in flight are its clients'.
enum class MetricDialect { kVllm, kSglang, kRouter };

// "vllm", "sglang", "sim", "tessera-router" / "vllm", "sglang", "tessera-router".
std::string_view EngineKindName(EngineKind kind);
std::string_view MetricDialectName(MetricDialect dialect);

// Errors list the valid names.
StatusOr<EngineKind> ParseEngineKind(std::string_view text);
StatusOr<MetricDialect> ParseMetricDialect(std::string_view text);

}  // namespace tessera::wire

#endif  // TESSERA_WIRE_ENGINE_KIND_H_
