// SGLang: `python3 -m sglang.launch_server`, /health answering 503 while
// loading, metrics named sglang:* (enabled with --enable-metrics).

#ifndef TESSERA_ENGINE_ADAPTERS_SGLANG_ADAPTER_H_
#define TESSERA_ENGINE_ADAPTERS_SGLANG_ADAPTER_H_

#include "engine/adapters/engine_adapter.h"

namespace tessera::adapters {

class SglangAdapter final : public EngineAdapter {
 public:
  wire::EngineKind kind() const override;
  StatusOr<LaunchPlan> Plan(const EngineInstallation& installation,
                            const wire::EngineSettings& settings, wire::WorkerRole role,
                            const LaunchContext& context) const override;
};

}  // namespace tessera::adapters

#endif  // TESSERA_ENGINE_ADAPTERS_SGLANG_ADAPTER_H_
