// The controller's own Prometheus metrics (GET /metrics on
// --metrics-listen): whether this replica leads, its reconcile passes (how
// many, how many failed, how long they took) and, while it leads, what it
// acts on — each agent's reachability and unanswered polls, each
// deployment's desired and ready workers per role and its conditions.
//
// Those gauges are read from the store and the fleet at scrape time, so they
// never drift from what the passes see, and a replica that does not lead
// exports none of them: two replicas never report one deployment twice.
//
// Thread-safe: passes record from the controller's worker thread while
// scrapes read from the metrics server's.

#ifndef TESSERA_CONTROLLER_METRICS_CONTROLLER_METRICS_H_
#define TESSERA_CONTROLLER_METRICS_CONTROLLER_METRICS_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "controller/fleet/fleet_monitor.h"
#include "controller/store/deployment_store.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace tessera::controller {

class ControllerMetrics {
 public:
  ControllerMetrics();
  ~ControllerMetrics();
  ControllerMetrics(const ControllerMetrics&) = delete;
  ControllerMetrics& operator=(const ControllerMetrics&) = delete;

  // Where the leader's gauges are read from. Not owned; both must outlive
  // the metrics, or be replaced by nulls first.
  void ObserveFrom(const DeploymentStore* store, const FleetMonitor* fleet);

  void SetLeading(bool leading);
  bool leading() const { return leading_; }

  // One reconcile pass of one deployment ended.
  void RecordReconcile(bool succeeded, std::chrono::duration<double> took);

  // The text exposition.
  std::string Serialize() const;

 private:
  struct Instruments;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<Instruments> instruments_;
  std::atomic<bool> leading_{false};
  mutable std::mutex sources_mutex_;
  const DeploymentStore* store_ = nullptr;  // guarded by sources_mutex_
  const FleetMonitor* fleet_ = nullptr;     // guarded by sources_mutex_
};

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_METRICS_CONTROLLER_METRICS_H_
