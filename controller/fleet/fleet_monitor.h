// Keeps the FleetView current: polls every known agent, judges each node's
// health from how long it has been silent, and publishes immutable
// snapshots for the reconciler.
//
// A node that leaves the NodeSource (its GPUNode deleted) keeps being polled
// at its last endpoint while it may run workers, so that deleting the
// object neither loses track of them nor skips the node-lost timeout.
//
// Writes the reconciler makes (PUT, DELETE) are recorded as expectations
// and merged into the view until a poll shows them, so that a poll which
// started before a write cannot make the reconciler repeat it.

#ifndef TESSERA_CONTROLLER_FLEET_FLEET_MONITOR_H_
#define TESSERA_CONTROLLER_FLEET_FLEET_MONITOR_H_

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/logging.h"
#include "base/thread_pool.h"
#include "controller/fleet/agent_api.h"
#include "controller/fleet/fleet_view.h"
#include "controller/fleet/node_source.h"

namespace tessera::controller {

struct FleetMonitorOptions {
  // A node silent this long is lost and its workers are placed elsewhere.
  std::chrono::milliseconds node_lost_timeout{30'000};
  // How long a recorded write stands in for an observation that has not
  // caught up with it.
  std::chrono::milliseconds expectation_timeout{30'000};
  // How long a node back from loss stays marked returned_after_loss: the
  // surplus it brings back is removed in the next pass, so this only has to
  // outlast the agent calls failing for a while.
  std::chrono::milliseconds returned_node_memory{std::chrono::minutes(5)};
  // Agents polled at once, by threads started with the monitor.
  int parallelism = 8;
  // Told of every change of a node's health, after the poll, on the polling
  // thread.
  std::function<void(const NodeView&)> on_health_change{};
};

class FleetMonitor {
 public:
  FleetMonitor(AgentApi& agents, const NodeSource& nodes, const Clock& clock,
               FleetMonitorOptions options, Logger logger);

  // Polls every node once (in parallel) and publishes a new snapshot.
  void PollOnce();

  std::shared_ptr<const FleetView> Snapshot() const;

  // The reconciler created or updated `worker` on `node`.
  void RecordPut(const std::string& node, const ObservedWorker& worker);
  // The reconciler asked `node` to drain and delete worker `id`.
  void RecordRemoval(const std::string& node, const std::string& id);

 private:
  struct Expectation {
    std::optional<ObservedWorker> put;  // empty: a removal
    std::chrono::steady_clock::time_point since;
  };
  struct NodeState {
    std::chrono::steady_clock::time_point first_known;
    std::shared_ptr<const NodeView> view;
    std::map<std::string, Expectation> expectations;
    // When it last answered again after being lost.
    std::optional<std::chrono::steady_clock::time_point> returned_at{};
  };

  // The nodes to poll: the source's, and those it no longer lists that
  // may still run workers. Requires mutex_.
  std::vector<NodeEndpoint> NodesToPoll(const std::vector<NodeEndpoint>& listed) const;
  // Folds the expectations into `view`, the node's observation.
  static void ApplyExpectations(std::map<std::string, Expectation>& expectations, NodeView& view,
                                std::chrono::steady_clock::time_point now,
                                std::chrono::milliseconds timeout);
  // Records an expectation on `node` and applies it to a copy of its view.
  void Expect(const std::string& node, const std::string& id, Expectation expectation);
  // The next Snapshot() rebuilds the view; requires mutex_. Lazy, because
  // the reconciler records writes one at a time and reads once per pass.
  void Invalidate();

  AgentApi& agents_;
  const NodeSource& nodes_;
  const Clock& clock_;
  FleetMonitorOptions options_;
  Logger logger_;

  ThreadPool poll_pool_;
  mutable std::mutex mutex_;
  std::map<std::string, NodeState> states_;
  uint64_t polls_ = 0;
  mutable std::shared_ptr<const FleetView> snapshot_;
};

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_FLEET_FLEET_MONITOR_H_
