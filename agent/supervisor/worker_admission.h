// Whether a worker spec may run on this node, given the workers already
// there. Every error names the spec field at fault and why, and is what
// PUT /v1/workers/{id} answers.

#ifndef TESSERA_AGENT_SUPERVISOR_WORKER_ADMISSION_H_
#define TESSERA_AGENT_SUPERVISOR_WORKER_ADMISSION_H_

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "agent/gpu/gpu_inventory.h"
#include "agent/supervisor/port_allocator.h"
#include "agent/supervisor/supervised_worker.h"
#include "base/status.h"
#include "engine/adapters/launch_plan.h"
#include "wire/worker_spec.h"

namespace tessera::agent {

using WorkerMap = std::map<std::string, std::shared_ptr<SupervisedWorker>>;

// InvalidArgument when `spec.engine` is not in `engines`, listing them.
Status CheckEngineAllowed(const wire::WorkerSpec& spec,
                          const std::map<std::string, adapters::EngineInstallation>& engines);

// InvalidArgument when the spec's role and its engine do not go together:
// a router worker runs an engine of kind tessera-router, and that engine
// runs nothing but routers. Precondition: CheckEngineAllowed passed.
Status CheckEngineRunsRole(const wire::WorkerSpec& spec,
                           const std::map<std::string, adapters::EngineInstallation>& engines);

// InvalidArgument naming the first of `spec.partitions` that `inventory`
// does not have, and how many it has.
Status CheckPartitionsExist(const wire::WorkerSpec& spec, const NodeInventory& inventory);

// AlreadyExists naming the worker that holds (or is moving onto) one of
// `partitions`, other than worker `id`.
Status CheckPartitionsFree(const std::string& id, const std::vector<int>& partitions,
                           const WorkerMap& workers);

// AlreadyExists when `port` is one of `reserved_ports` (the agent's own),
// another worker's, or bound by some other process on this node (by
// `ports`' check). A port worker `id` holds already is its own to keep.
Status CheckBootstrapPortFree(const std::string& id, int port, const WorkerMap& workers,
                              const std::set<int>& reserved_ports, const PortAllocator& ports);

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_SUPERVISOR_WORKER_ADMISSION_H_
