// tessera-engine-sim: vLLM's flag names, plus the hardware it models and
// whose flavor (health semantics and metric names) it shows.

#ifndef TESSERA_ENGINE_ADAPTERS_SIM_ADAPTER_H_
#define TESSERA_ENGINE_ADAPTERS_SIM_ADAPTER_H_

#include "engine/adapters/engine_adapter.h"

namespace tessera::adapters {

class SimAdapter final : public EngineAdapter {
 public:
  wire::EngineKind kind() const override;
  StatusOr<LaunchPlan> Plan(const EngineInstallation& installation,
                            const wire::EngineSettings& settings, wire::WorkerRole role,
                            const LaunchContext& context) const override;
};

}  // namespace tessera::adapters

#endif  // TESSERA_ENGINE_ADAPTERS_SIM_ADAPTER_H_
