// Keeps the FleetView current: polls every known agent, judges each node's
// health from how long it has been silent, and publishes immutable
// snapshots for the reconciler.
//
// Between polls it keeps one long poll open to each reachable agent
// (AgentApi::WaitForWorkersChange): when a node's workers change, the node
// is marked and the change listener told, and PollChanged() observes just
// those nodes, so state changes reach the reconciler as they happen. The
// polls stay the source of truth; a wait that fails is opened again by the
// next poll.
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
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
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
  // How long an agent holds a wait for its workers to change before it
  // answers anyway; zero: no waits, polls only.
  std::chrono::seconds change_wait{30};
  // Told of every change of a node's health, after the poll, on the polling
  // thread.
  std::function<void(const NodeView&)> on_health_change{};
};

class FleetMonitor {
 public:
  FleetMonitor(AgentApi& agents, const NodeSource& nodes, const Clock& clock,
               FleetMonitorOptions options, Logger logger);

  FleetMonitor(const FleetMonitor&) = delete;
  FleetMonitor& operator=(const FleetMonitor&) = delete;
  // Ends the waits (StopWaiting).
  ~FleetMonitor();

  // Polls every node once (in parallel), publishes a new snapshot, and
  // opens a wait on every reachable node that has none.
  void PollOnce();
  // Polls the nodes whose workers changed since the last call, if any;
  // false when there were none.
  bool PollChanged();

  // Called, on a transport thread, when a node's workers changed; set
  // before the first poll. Keep it short: it should only wake the thread
  // that calls PollChanged().
  void OnChange(std::function<void()> listener);
  // Cancels the waits in flight and returns once none is left; no wait is
  // opened after.
  void StopWaiting();

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
    NodeEndpoint endpoint{};
    // Its worker list's version as the last wait answered it; a wait open.
    std::string workers_version{};
    bool waiting = false;
  };

  // The nodes to poll: the source's, and those it no longer lists that
  // may still run workers. Requires mutex_.
  std::vector<NodeEndpoint> NodesToPoll(const std::vector<NodeEndpoint>& listed) const;
  // Polls `endpoints` in parallel.
  std::vector<StatusOr<AgentObservation>> Observe(const std::vector<NodeEndpoint>& endpoints);
  // The node's next view from `result`; requires mutex_. Appends it to
  // `health_changed` when its health changed.
  void Update(NodeState& state, const NodeEndpoint& endpoint, bool unlisted,
              StatusOr<AgentObservation>& result, std::chrono::steady_clock::time_point now,
              std::vector<std::shared_ptr<const NodeView>>& health_changed);
  void ReportHealthChanges(const std::vector<std::shared_ptr<const NodeView>>& changed) const;
  // Opens a wait on every reachable node without one.
  void OpenWaits();
  void Wait(const std::string& node, const std::string& endpoint, const std::string& after);
  void WaitEnded(const std::string& node, const std::string& endpoint,
                 std::chrono::steady_clock::time_point started, StatusOr<std::string> version);
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
  std::set<std::string> changed_nodes_;
  std::function<void()> on_change_;
  int waits_in_flight_ = 0;
  bool waits_stopped_ = false;
  std::condition_variable waits_ended_;
  mutable std::shared_ptr<const FleetView> snapshot_;
};

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_FLEET_FLEET_MONITOR_H_
