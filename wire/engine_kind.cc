#include "wire/engine_kind.h"

#include <string>

#include "base/strings.h"

namespace tessera::wire {

std::string_view EngineKindName(EngineKind kind) {
  switch (kind) {
    case EngineKind::kVllm:
      return "vllm";
    case EngineKind::kSglang:
      return "sglang";
    case EngineKind::kSim:
      return "sim";
    case EngineKind::kRouter:
      return "tessera-router";
  }
  return "unknown";
}

std::string_view MetricDialectName(MetricDialect dialect) {
  switch (dialect) {
    case MetricDialect::kVllm:
      return "vllm";
    case MetricDialect::kSglang:
      return "sglang";
    case MetricDialect::kRouter:
      return "tessera-router";
  }
  return "vllm";
}

StatusOr<EngineKind> ParseEngineKind(std::string_view text) {
  for (EngineKind kind :
       {EngineKind::kVllm, EngineKind::kSglang, EngineKind::kSim, EngineKind::kRouter}) {
    if (text == EngineKindName(kind)) return kind;
  }
  return InvalidArgumentError("unknown engine kind " + Quote(text) +
                              "; expected vllm, sglang, sim or tessera-router");
}

StatusOr<MetricDialect> ParseMetricDialect(std::string_view text) {
  if (text == "vllm") return MetricDialect::kVllm;
  if (text == "sglang") return MetricDialect::kSglang;
  if (text == "tessera-router") return MetricDialect::kRouter;
  return InvalidArgumentError("unknown metric dialect " + Quote(text) +
                              "; expected vllm, sglang or tessera-router");
}

}  // namespace tessera::wire
