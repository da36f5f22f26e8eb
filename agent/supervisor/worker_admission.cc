#include "agent/supervisor/worker_admission.h"

#include "base/strings.h"

namespace tessera::agent {

Status CheckEngineAllowed(const wire::WorkerSpec& spec,
                          const std::map<std::string, adapters::EngineInstallation>& engines) {
  if (engines.contains(spec.engine)) return OkStatus();
  std::vector<std::string> names;
  names.reserve(engines.size());
  for (const auto& [name, installation] : engines) names.push_back(name);
  return InvalidArgumentError("engine.kind: " + Quote(spec.engine) +
                              " is not in this agent's engine allow-list (" + Join(names, ", ") +
                              ")");
}

Status CheckEngineRunsRole(const wire::WorkerSpec& spec,
                           const std::map<std::string, adapters::EngineInstallation>& engines) {
  const bool router_engine = engines.at(spec.engine).kind == wire::EngineKind::kRouter;
  const bool router_role = spec.role == wire::WorkerRole::kRouter;
  if (router_engine == router_role) return OkStatus();
  if (router_role) {
    return InvalidArgumentError("engine.kind: a router worker runs a tessera-router engine; " +
                                Quote(spec.engine) + " is an inference engine");
  }
  return InvalidArgumentError("engine.kind: " + Quote(spec.engine) +
                              " runs only router workers, not " +
                              std::string(wire::WorkerRoleName(spec.role)) + " workers");
}

Status CheckPartitionsExist(const wire::WorkerSpec& spec, const NodeInventory& inventory) {
  const std::vector<const GpuPartition*> partitions = inventory.Partitions();
  for (size_t i = 0; i < spec.partitions.size(); ++i) {
    const int partition = spec.partitions[i];
    if (inventory.FindPartition(partition) != nullptr) continue;
    return InvalidArgumentError(
        "partitions[" + std::to_string(i) + "]: partition " + std::to_string(partition) +
        " does not exist on this node" +
        (partitions.empty() ? std::string(" (it has no GPU partitions)")
                            : " (it has " + std::to_string(partitions.size()) + ", numbered 0-" +
                                  std::to_string(partitions.size() - 1) + ")"));
  }
  return OkStatus();
}

Status CheckPartitionsFree(const std::string& id, const std::vector<int>& partitions,
                           const WorkerMap& workers) {
  for (const auto& [other_id, other] : workers) {
    if (other_id == id) continue;
    for (int partition : partitions) {
      const bool holds = other->HoldsNow(partition);
      if (!holds && !other->MovingOnto(partition)) continue;
      return AlreadyExistsError("partitions: partition " + std::to_string(partition) +
                                " is held by worker " + Quote(other_id) + " (" +
                                std::string(wire::WorkerStateName(other->lifecycle.state())) +
                                (holds ? "" : ", which is moving onto it") + ")");
    }
  }
  return OkStatus();
}

Status CheckBootstrapPortFree(const std::string& id, int port, const WorkerMap& workers,
                              const std::set<int>& reserved_ports, const PortAllocator& ports) {
  const std::string what = "bootstrapPort: port " + std::to_string(port);
  if (reserved_ports.contains(port)) return AlreadyExistsError(what + " is the agent's own");
  for (const auto& [other_id, other] : workers) {
    const bool held = other->port == port || other->bootstrap_port == port ||
                      (other->next_spec && other->next_spec->bootstrap_port == port);
    if (!held) continue;
    if (other_id == id) return OkStatus();  // its own, already bound by it
    return AlreadyExistsError(what + " is held by worker " + Quote(other_id));
  }
  if (!ports.IsFree(port)) return AlreadyExistsError(what + " is in use on this node");
  return OkStatus();
}

}  // namespace tessera::agent
