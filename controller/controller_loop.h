// Runs the reconciler: one thread polls the agents and then queues every
// deployment (a resync per poll, so convergence never hangs on an event),
// and between polls observes the nodes whose agents report a change and
// queues every deployment again; one thread takes keys off the work queue
// and reconciles them. One worker thread on purpose: passes never race
// each other for the same partition.

#ifndef TESSERA_CONTROLLER_CONTROLLER_LOOP_H_
#define TESSERA_CONTROLLER_CONTROLLER_LOOP_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "base/clock.h"
#include "base/logging.h"
#include "controller/fleet/fleet_monitor.h"
#include "controller/metrics/controller_metrics.h"
#include "controller/queue/work_queue.h"
#include "controller/reconciler/deployment_reconciler.h"
#include "controller/store/deployment_store.h"

namespace tessera::controller {

class ControllerLoop {
 public:
  // Not owned; all must outlive the loop. Every pass is counted and timed
  // in `metrics`.
  ControllerLoop(DeploymentStore& store, FleetMonitor& fleet, DeploymentReconciler& reconciler,
                 ControllerMetrics& metrics, const Clock& clock,
                 std::chrono::milliseconds poll_period, Logger logger);
  ControllerLoop(const ControllerLoop&) = delete;
  ControllerLoop& operator=(const ControllerLoop&) = delete;
  ~ControllerLoop();

  // Starts the store's watch and both threads.
  Status Start();
  // Stops both threads; returns when they have.
  void Stop();

 private:
  void Poll();
  void Work();

  DeploymentStore& store_;
  FleetMonitor& fleet_;
  DeploymentReconciler& reconciler_;
  ControllerMetrics& metrics_;
  const Clock& clock_;
  std::chrono::milliseconds poll_period_;
  Logger logger_;
  WorkQueue queue_;
  std::mutex mutex_;
  // Woken to stop, or when an agent reports a change.
  std::condition_variable wake_poller_;
  bool stopping_ = false;
  bool agents_changed_ = false;
  // Set once every agent has been polled (or failed to answer) once: a pass
  // before that would see no nodes and report every deployment
  // unschedulable.
  bool fleet_polled_ = false;
  std::condition_variable fleet_polled_changed_;
  std::thread poller_;
  std::thread worker_;
};

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_CONTROLLER_LOOP_H_
