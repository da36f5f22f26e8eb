#include "agent/supervisor/worker_launch_plan.h"

#include "base/strings.h"
#include "engine/adapters/engine_adapter.h"

namespace tessera::agent {

StatusOr<adapters::LaunchPlan> PlanWorkerLaunch(
    const wire::WorkerSpec& spec, const WorkerPlacement& placement,
    const std::map<std::string, adapters::EngineInstallation>& engines,
    const NodeInventory& inventory) {
  const auto installation = engines.find(spec.engine);
  if (installation == engines.end()) {
    return InvalidArgumentError("engine.kind: " + Quote(spec.engine) +
                                " is not in this agent's engine allow-list");
  }
  adapters::LaunchContext context{.host = placement.bind_host,
                                  .port = placement.port,
                                  .bootstrap_port = placement.bootstrap_port,
                                  .devices = spec.partitions,
                                  .hardware = {},
                                  .admin_token_file = placement.admin_token_file};
  if (const GpuPartition* partition =
          spec.partitions.empty() ? nullptr : inventory.FindPartition(spec.partitions.front());
      partition != nullptr) {
    if (const GpuDevice* gpu = inventory.GpuOf(*partition);
        gpu != nullptr && !gpu->product.empty()) {
      context.hardware = gpu->product + ":" + hardware::PartitionModeName(gpu->partition_mode);
    }
  }
  return adapters::AdapterFor(installation->second.kind)
      .Plan(installation->second, spec.settings, spec.role, context);
}

}  // namespace tessera::agent
