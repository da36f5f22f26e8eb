// How a worker is launched on this node: its engine adapter's plan (argv,
// environment, health and metrics paths) for the worker's spec, ports and
// partitions.

#ifndef TESSERA_AGENT_SUPERVISOR_WORKER_LAUNCH_PLAN_H_
#define TESSERA_AGENT_SUPERVISOR_WORKER_LAUNCH_PLAN_H_

#include <map>
#include <optional>
#include <string>

#include "agent/gpu/gpu_inventory.h"
#include "base/status.h"
#include "engine/adapters/launch_plan.h"
#include "wire/worker_spec.h"

namespace tessera::agent {

struct WorkerPlacement {
  std::string bind_host;  // where the engine listens
  int port = 0;
  std::optional<int> bootstrap_port{};
  std::string admin_token_file{};  // for routers: the token of their admin API
};

// InvalidArgument when the engine is not in `engines`, or its adapter
// cannot take one of the spec's settings (named). A spec without partitions
// (a router) gets no devices and no hardware to model.
StatusOr<adapters::LaunchPlan> PlanWorkerLaunch(
    const wire::WorkerSpec& spec, const WorkerPlacement& placement,
    const std::map<std::string, adapters::EngineInstallation>& engines,
    const NodeInventory& inventory);

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_SUPERVISOR_WORKER_LAUNCH_PLAN_H_
