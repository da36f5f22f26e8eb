// One reconcile pass for one ModelDeployment, level-triggered: read the
// deployment from the store and its workers from the fleet view, start what
// is missing, drain what is surplus or outdated (within the rollout's
// bounds), and write status and conditions. Running a pass twice in a row
// does nothing the second time; nothing depends on having seen an event.
//
// A key whose deployment is gone (or being deleted) drains the workers the
// controller made for it; once none remain, the finalizer is removed.
//
// Routers are a role like the others (spec.router.replicas of them,
// rolled out on a change of their template), placed without partitions
// once the deployment has a worker (beside its workers where possible),
// and fed: each pass tells every ready router the deployment's ready
// workers (RouterFeeder). A router counts as ready, and may be the
// deployment's status.endpoint, once its agent reports it ready and it has
// acknowledged that membership; the endpoint is the one of those ready
// longest, so it stays put while that router serves.
//
// One memory beyond observation: an agent that refused a worker spec (a 4xx
// answer to its PUT: an engine not in its allow-list, a field it rejects) is
// not asked again for that spec until a backoff passes, from 10 s doubling
// to 5 minutes. Meanwhile other nodes are tried, and when none is left the
// deployment is Unschedulable with the agents' reasons.

#ifndef TESSERA_CONTROLLER_RECONCILER_DEPLOYMENT_RECONCILER_H_
#define TESSERA_CONTROLLER_RECONCILER_DEPLOYMENT_RECONCILER_H_

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/logging.h"
#include "controller/fleet/agent_api.h"
#include "controller/fleet/fleet_monitor.h"
#include "controller/placement/partition_placer.h"
#include "controller/reconciler/router_feeder.h"
#include "controller/routers/router_api.h"
#include "controller/store/deployment_store.h"

namespace tessera::controller {

struct ReconcilerOptions {
  // Written into every worker spec's managedBy; workers with another value
  // (or none) are never touched.
  std::string controller_name = "tessera-controller";
};

struct ReconcileResult {
  Status status{};  // not OK: retry with backoff
  // Converging but not there yet: look again after this long.
  std::optional<std::chrono::milliseconds> requeue_after{};
};

// Not thread-safe: one pass at a time (the controller runs one worker).
class DeploymentReconciler {
 public:
  // Not owned; all must outlive the reconciler.
  DeploymentReconciler(DeploymentStore& store, FleetMonitor& fleet, AgentApi& agents,
                       RouterApi& routers, const Clock& clock, ReconcilerOptions options,
                       Logger logger);

  ReconcileResult Reconcile(const resources::ObjectKey& key);

  // The store's deployments and those whose workers outlived them.
  std::vector<resources::ObjectKey> AllKeys() const;

 private:
  struct Pass;

  // The deployment's workers in pass.fleet.
  void Collect(Pass& pass) const;
  void ReconcileRoles(Pass& pass);
  void ReconcileRole(Pass& pass, wire::WorkerRole role);
  void CreateWorkers(Pass& pass, wire::WorkerRole role, int count);
  // Fills `request` for an engine role's placement; false (with the reason
  // in pass.unschedulable) when the role cannot be placed at all.
  static bool PrepareEnginePlacement(Pass& pass, wire::WorkerRole role, PlacementRequest& request);
  // Tells the ready routers the ready workers; notes who holds them.
  void FeedRouters(Pass& pass);
  void RemoveWorker(Pass& pass, const std::string& id, int grace_seconds, std::string_view why);
  ReconcileResult TearDown(Pass& pass);
  void WriteStatus(Pass& pass);

  struct Rejection {
    std::string message;
    int count = 0;  // consecutive refusals
    std::chrono::steady_clock::time_point retry_at{};
  };

  DeploymentStore& store_;
  FleetMonitor& fleet_;
  AgentApi& agents_;
  const Clock& clock_;
  ReconcilerOptions options_;
  Logger logger_;
  RouterFeeder feeder_;
  // Indexing 64,000 partitions costs more than placing a worker, so one
  // placer serves every pass until the next poll: between polls, the only
  // writes are this reconciler's, and the placer has reserved each of them.
  std::shared_ptr<const FleetView> placer_fleet_;
  std::unique_ptr<PartitionPlacer> placer_;
  // By node name and template hash.
  std::map<std::pair<std::string, std::string>, Rejection> rejections_;
};

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_RECONCILER_DEPLOYMENT_RECONCILER_H_
