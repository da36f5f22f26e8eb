// The engines Tessera launches and the roles a worker plays.

#ifndef TESSERA_ENGINE_ADAPTERS_ENGINE_KIND_H_
#define TESSERA_ENGINE_ADAPTERS_ENGINE_KIND_H_

#include <string_view>

#include "base/status.h"

namespace tessera::adapters {

enum class EngineKind { kVllm, kSglang, kSim };

// Aggregated workers prefill and decode; in disaggregated serving a prefill
// worker computes the prompt's KV cache and hands it to a decode worker.
enum class WorkerRole { kAggregated, kPrefill, kDecode };

// Whose metric names an engine exposes on /metrics.
enum class MetricDialect { kVllm, kSglang };

// "vllm", "sglang", "sim" / "aggregated", "prefill", "decode".
std::string_view EngineKindName(EngineKind kind);
std::string_view WorkerRoleName(WorkerRole role);
std::string_view MetricDialectName(MetricDialect dialect);

// Errors list the valid names.
StatusOr<EngineKind> ParseEngineKind(std::string_view text);
StatusOr<WorkerRole> ParseWorkerRole(std::string_view text);
StatusOr<MetricDialect> ParseMetricDialect(std::string_view text);

}  // namespace tessera::adapters

#endif  // TESSERA_ENGINE_ADAPTERS_ENGINE_KIND_H_
