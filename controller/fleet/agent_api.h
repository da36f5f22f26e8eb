// The seam between the controller and the agents' REST API (docs/agent.md,
// "REST API (v1)"): what the controller observes of a node and the two
// calls that change it. The HTTP implementation is HttpAgentApi
// (controller/agents/); the reconciler's tests use an in-memory fleet.

#ifndef TESSERA_CONTROLLER_FLEET_AGENT_API_H_
#define TESSERA_CONTROLLER_FLEET_AGENT_API_H_

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "controller/fleet/fleet_view.h"
#include "wire/worker_spec.h"

namespace tessera::controller {

// GET /v1/node and GET /v1/workers of one agent.
struct AgentObservation {
  std::string hostname{};
  std::map<std::string, std::string> labels{};
  std::vector<GpuView> gpus{};
  std::vector<PartitionView> partitions{};
  std::vector<ObservedWorker> workers{};
};

class AgentApi {
 public:
  virtual ~AgentApi() = default;

  // Unavailable when the agent does not answer in time.
  virtual StatusOr<AgentObservation> Observe(const std::string& endpoint) = 0;

  // PUT /v1/workers/{id}: idempotent. AlreadyExists (409) names the worker
  // holding a partition; InvalidArgument the field the agent rejected.
  virtual StatusOr<ObservedWorker> PutWorker(const std::string& endpoint, const std::string& id,
                                             const wire::WorkerSpec& spec) = 0;

  // DELETE /v1/workers/{id}?graceSeconds=N. A worker already gone is OK.
  virtual Status DeleteWorker(const std::string& endpoint, const std::string& id,
                              int grace_seconds) = 0;

  // The version the agent's worker list is at (its resourceVersion), or
  // why it is not known.
  using VersionCallback = std::function<void(StatusOr<std::string> version)>;
  // GET /v1/workers?after=V&timeoutSeconds=T without blocking: `done` runs
  // exactly once, on a transport thread, when the agent's worker list is at
  // a version other than `after` (empty: at once), or after `timeout` with
  // `after` again. Unimplemented from an agent that cannot wait; Cancelled
  // after CancelWaits().
  virtual void WaitForWorkersChange(const std::string& endpoint, const std::string& after,
                                    std::chrono::seconds timeout, VersionCallback done) = 0;
  // Ends every wait in flight; their callbacks run with Cancelled, possibly
  // after this returns.
  virtual void CancelWaits() = 0;
};

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_FLEET_AGENT_API_H_
