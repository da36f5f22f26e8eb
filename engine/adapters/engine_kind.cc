#include "engine/adapters/engine_kind.h"

#include <string>

#include "base/strings.h"

namespace tessera::adapters {

std::string_view EngineKindName(EngineKind kind) {
  switch (kind) {
    case EngineKind::kVllm:
      return "vllm";
    case EngineKind::kSglang:
      return "sglang";
    case EngineKind::kSim:
      return "sim";
  }
  return "unknown";
}

std::string_view WorkerRoleName(WorkerRole role) {
  switch (role) {
    case WorkerRole::kAggregated:
      return "aggregated";
    case WorkerRole::kPrefill:
      return "prefill";
    case WorkerRole::kDecode:
      return "decode";
  }
  return "unknown";
}

std::string_view MetricDialectName(MetricDialect dialect) {
  return dialect == MetricDialect::kVllm ? "vllm" : "sglang";
}

StatusOr<EngineKind> ParseEngineKind(std::string_view text) {
  for (EngineKind kind : {EngineKind::kVllm, EngineKind::kSglang, EngineKind::kSim}) {
    if (text == EngineKindName(kind)) return kind;
  }
  return InvalidArgumentError("unknown engine kind " + Quote(text) +
                              "; expected vllm, sglang or sim");
}

StatusOr<WorkerRole> ParseWorkerRole(std::string_view text) {
  for (WorkerRole role : {WorkerRole::kAggregated, WorkerRole::kPrefill, WorkerRole::kDecode}) {
    if (text == WorkerRoleName(role)) return role;
  }
  return InvalidArgumentError("unknown role " + Quote(text) +
                              "; expected aggregated, prefill or decode");
}

StatusOr<MetricDialect> ParseMetricDialect(std::string_view text) {
  if (text == "vllm") return MetricDialect::kVllm;
  if (text == "sglang") return MetricDialect::kSglang;
  return InvalidArgumentError("unknown metric dialect " + Quote(text) +
                              "; expected vllm or sglang");
}

}  // namespace tessera::adapters
