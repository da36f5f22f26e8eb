// vLLM: `vllm serve`, health on /health (connection refused until the model
// is loaded), metrics named vllm:*.

#ifndef TESSERA_ENGINE_ADAPTERS_VLLM_ADAPTER_H_
#define TESSERA_ENGINE_ADAPTERS_VLLM_ADAPTER_H_

#include "engine/adapters/engine_adapter.h"

namespace tessera::adapters {

class VllmAdapter final : public EngineAdapter {
 public:
  wire::EngineKind kind() const override;
  StatusOr<LaunchPlan> Plan(const EngineInstallation& installation,
                            const wire::EngineSettings& settings, wire::WorkerRole role,
                            const LaunchContext& context) const override;
};

}  // namespace tessera::adapters

#endif  // TESSERA_ENGINE_ADAPTERS_VLLM_ADAPTER_H_
