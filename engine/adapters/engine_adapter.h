// The seam between the agent and an inference engine: how to launch one for
// a role, where it reports health, and whose metric names it speaks.

#ifndef TESSERA_ENGINE_ADAPTERS_ENGINE_ADAPTER_H_
#define TESSERA_ENGINE_ADAPTERS_ENGINE_ADAPTER_H_

#include <string_view>

#include "base/status.h"
#include "engine/adapters/launch_plan.h"
#include "wire/worker_spec.h"

namespace tessera::adapters {

class EngineAdapter {
 public:
  virtual ~EngineAdapter() = default;

  virtual wire::EngineKind kind() const = 0;

  // The argv and environment for one worker. Errors name the setting that
  // the engine cannot take (e.g. a KV-cache dtype it does not know).
  virtual StatusOr<LaunchPlan> Plan(const EngineInstallation& installation,
                                    const wire::EngineSettings& settings, wire::WorkerRole role,
                                    const LaunchContext& context) const = 0;
};

// The adapter for `kind`; lives for the whole program.
const EngineAdapter& AdapterFor(wire::EngineKind kind);

// The environment every engine gets for its devices. ROCm's HIP runtime reads
// HIP_VISIBLE_DEVICES; CUDA_VISIBLE_DEVICES is set to the same list because
// vLLM and Ray read it on ROCm too. ROCR_VISIBLE_DEVICES is left alone: set
// together with HIP's, the two filters compose and the indices would no
// longer mean node-wide devices.
void AddDeviceEnvironment(const LaunchContext& context, LaunchPlan& plan);

// Installation environment, then the worker's own (which wins), then the
// device variables (which nothing overrides).
void MergeEnvironment(const EngineInstallation& installation, const wire::EngineSettings& settings,
                      const LaunchContext& context, LaunchPlan& plan);

}  // namespace tessera::adapters

#endif  // TESSERA_ENGINE_ADAPTERS_ENGINE_ADAPTER_H_
