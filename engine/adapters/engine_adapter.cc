#include "engine/adapters/engine_adapter.h"

#include <string>

#include "base/strings.h"
#include "engine/adapters/router_adapter.h"
#include "engine/adapters/sglang_adapter.h"
#include "engine/adapters/sim_adapter.h"
#include "engine/adapters/vllm_adapter.h"

namespace tessera::adapters {

const EngineAdapter& AdapterFor(wire::EngineKind kind) {
  static const VllmAdapter kVllmAdapter;
  static const SglangAdapter kSglangAdapter;
  static const SimAdapter kSimAdapter;
  static const RouterAdapter kRouterAdapter;
  switch (kind) {
    case wire::EngineKind::kVllm:
      return kVllmAdapter;
    case wire::EngineKind::kSglang:
      return kSglangAdapter;
    case wire::EngineKind::kSim:
      return kSimAdapter;
    case wire::EngineKind::kRouter:
      return kRouterAdapter;
  }
  return kSimAdapter;
}

void AddDeviceEnvironment(const LaunchContext& context, LaunchPlan& plan) {
  std::vector<std::string> devices;
  devices.reserve(context.devices.size());
  for (int device : context.devices) devices.push_back(std::to_string(device));
  const std::string list = Join(devices, ",");
  plan.env["HIP_VISIBLE_DEVICES"] = list;
  plan.env["CUDA_VISIBLE_DEVICES"] = list;
}

void MergeEnvironment(const EngineInstallation& installation, const wire::EngineSettings& settings,
                      const LaunchContext& context, LaunchPlan& plan) {
  for (const auto& [name, value] : installation.env) plan.env[name] = value;
  for (const auto& [name, value] : settings.env) plan.env[name] = value;
  AddDeviceEnvironment(context, plan);
}

}  // namespace tessera::adapters
