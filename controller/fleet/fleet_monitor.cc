#include "controller/fleet/fleet_monitor.h"

#include <algorithm>
#include <set>
#include <string_view>
#include <vector>

#include "base/units.h"

namespace tessera::controller {

FleetMonitor::FleetMonitor(AgentApi& agents, const NodeSource& nodes, const Clock& clock,
                           FleetMonitorOptions options, Logger logger)
    : agents_(agents),
      nodes_(nodes),
      clock_(clock),
      options_(std::move(options)),
      logger_(std::move(logger)),
      poll_pool_(std::max(1, options_.parallelism) - 1) {}

std::shared_ptr<const FleetView> FleetMonitor::Snapshot() const {
  const std::scoped_lock lock(mutex_);
  if (!snapshot_) {
    std::vector<std::shared_ptr<const NodeView>> nodes;
    nodes.reserve(states_.size());
    for (const auto& [name, state] : states_) nodes.push_back(state.view);
    snapshot_ = std::make_shared<const FleetView>(std::move(nodes), polls_);
  }
  return snapshot_;
}

std::vector<NodeEndpoint> FleetMonitor::NodesToPoll(const std::vector<NodeEndpoint>& listed) const {
  std::vector<NodeEndpoint> endpoints = listed;
  std::set<std::string_view> names;
  for (const NodeEndpoint& endpoint : listed) names.insert(endpoint.name);
  for (const auto& [name, state] : states_) {
    if (names.contains(name) || !state.view) continue;
    const NodeView& view = *state.view;
    // Nothing to lose on a node never heard from, or one that answered
    // with no workers.
    const bool may_run_workers =
        view.health == NodeHealth::kLost || (view.last_seen.has_value() && !view.workers.empty());
    if (may_run_workers)
      endpoints.push_back({.name = name, .endpoint = view.endpoint, .labels = {}});
  }
  return endpoints;
}

FleetMonitor::~FleetMonitor() { StopWaiting(); }

std::vector<StatusOr<AgentObservation>> FleetMonitor::Observe(
    const std::vector<NodeEndpoint>& endpoints) {
  std::vector<StatusOr<AgentObservation>> results(endpoints.size(), UnavailableError("not polled"));
  poll_pool_.ParallelFor(endpoints.size(),
                         [&](size_t i) { results[i] = agents_.Observe(endpoints[i].endpoint); });
  return results;
}

void FleetMonitor::PollOnce() {
  const std::vector<NodeEndpoint> listed = nodes_.Nodes();
  std::vector<NodeEndpoint> endpoints;
  {
    const std::scoped_lock lock(mutex_);
    endpoints = NodesToPoll(listed);
  }
  std::vector<StatusOr<AgentObservation>> results = Observe(endpoints);

  const std::chrono::steady_clock::time_point now = clock_.Now();
  std::vector<std::shared_ptr<const NodeView>> changed;
  {
    const std::scoped_lock lock(mutex_);
    std::map<std::string, NodeState> next_states;
    for (size_t i = 0; i < endpoints.size(); ++i) {
      const NodeEndpoint& endpoint = endpoints[i];
      auto existing = states_.find(endpoint.name);
      NodeState state = existing != states_.end() ? std::move(existing->second)
                                                  : NodeState{.first_known = now,
                                                              .view = nullptr,
                                                              .expectations = {},
                                                              .returned_at = std::nullopt};
      Update(state, endpoint, /*unlisted=*/i >= listed.size(), results[i], now, changed);
      next_states.emplace(endpoint.name, std::move(state));
    }
    states_ = std::move(next_states);
    ++polls_;
    Invalidate();
  }
  ReportHealthChanges(changed);
  OpenWaits();
}

bool FleetMonitor::PollChanged() {
  std::vector<NodeEndpoint> endpoints;
  {
    const std::scoped_lock lock(mutex_);
    for (const std::string& name : changed_nodes_) {
      if (const auto state = states_.find(name); state != states_.end()) {
        endpoints.push_back(state->second.endpoint);
      }
    }
    changed_nodes_.clear();
  }
  if (endpoints.empty()) return false;
  std::vector<StatusOr<AgentObservation>> results = Observe(endpoints);

  const std::chrono::steady_clock::time_point now = clock_.Now();
  std::vector<std::shared_ptr<const NodeView>> changed;
  {
    const std::scoped_lock lock(mutex_);
    for (size_t i = 0; i < endpoints.size(); ++i) {
      // Gone, or moved, while it was polled: the next full poll has it.
      const auto state = states_.find(endpoints[i].name);
      if (state == states_.end() || state->second.endpoint.endpoint != endpoints[i].endpoint) {
        continue;
      }
      Update(state->second, endpoints[i], state->second.view && state->second.view->unlisted,
             results[i], now, changed);
    }
    ++polls_;
    Invalidate();
  }
  ReportHealthChanges(changed);
  return true;
}

void FleetMonitor::Update(NodeState& state, const NodeEndpoint& endpoint, bool unlisted,
                          StatusOr<AgentObservation>& result,
                          std::chrono::steady_clock::time_point now,
                          std::vector<std::shared_ptr<const NodeView>>& health_changed) {
  auto view = std::make_shared<NodeView>();
  if (result.ok()) {
    if (state.view) view->failed_polls = state.view->failed_polls;
    AgentObservation& observation = *result;
    view->health = NodeHealth::kReachable;
    view->last_seen = now;
    view->labels = std::move(observation.labels);
    for (const auto& [key, value] : endpoint.labels) view->labels[key] = value;
    view->gpus = std::move(observation.gpus);
    view->partitions = std::move(observation.partitions);
    view->workers = std::move(observation.workers);
  } else {
    // The last observation stands in for the silent node.
    if (state.view) *view = *state.view;
    view->last_error = result.status().message();
    ++view->failed_polls;
    const auto silent_since = view->last_seen.value_or(state.first_known);
    if (now - silent_since >= options_.node_lost_timeout) {
      view->health = NodeHealth::kLost;
    } else if (view->last_seen) {
      view->health = NodeHealth::kUnreachable;
    }
  }
  view->name = endpoint.name;
  view->endpoint = endpoint.endpoint;
  view->unlisted = unlisted;
  ApplyExpectations(state.expectations, *view, now, options_.expectation_timeout);
  const NodeHealth before = state.view ? state.view->health : NodeHealth::kUnknown;
  if (before == NodeHealth::kLost && view->health == NodeHealth::kReachable) {
    state.returned_at = now;
  }
  view->returned_after_loss =
      state.returned_at && now - *state.returned_at < options_.returned_node_memory;
  if (view->unlisted && !(state.view && state.view->unlisted)) {
    logger_.Info("node no longer listed; watched at its endpoint while it may run workers",
                 {{"node", view->name}, {"endpoint", view->endpoint}});
  }
  if (view->health != before) {
    logger_.Info("node health changed", {{"node", view->name},
                                         {"from", NodeHealthName(before)},
                                         {"to", NodeHealthName(view->health)},
                                         {"error", view->last_error}});
    health_changed.push_back(view);
  }
  state.view = std::move(view);
  state.endpoint = endpoint;
}

void FleetMonitor::ReportHealthChanges(
    const std::vector<std::shared_ptr<const NodeView>>& changed) const {
  if (!options_.on_health_change) return;
  for (const std::shared_ptr<const NodeView>& node : changed) options_.on_health_change(*node);
}

void FleetMonitor::OnChange(std::function<void()> listener) {
  const std::scoped_lock lock(mutex_);
  on_change_ = std::move(listener);
}

void FleetMonitor::OpenWaits() {
  struct ToOpen {
    std::string node, endpoint, after;
  };
  std::vector<ToOpen> to_open;
  {
    const std::scoped_lock lock(mutex_);
    if (options_.change_wait.count() <= 0 || waits_stopped_) return;
    for (auto& [name, state] : states_) {
      if (state.waiting || !state.view || state.view->health != NodeHealth::kReachable) continue;
      state.waiting = true;
      ++waits_in_flight_;
      to_open.push_back({name, state.endpoint.endpoint, state.workers_version});
    }
  }
  for (const ToOpen& wait : to_open) Wait(wait.node, wait.endpoint, wait.after);
}

void FleetMonitor::Wait(const std::string& node, const std::string& endpoint,
                        const std::string& after) {
  agents_.WaitForWorkersChange(
      endpoint, after, options_.change_wait,
      [this, node, endpoint, started = clock_.Now()](StatusOr<std::string> version) {
        WaitEnded(node, endpoint, started, std::move(version));
      });
}

void FleetMonitor::WaitEnded(const std::string& node, const std::string& endpoint,
                             std::chrono::steady_clock::time_point started,
                             StatusOr<std::string> version) {
  bool changed = false;
  bool again = false;
  std::function<void()> listener;
  {
    const std::scoped_lock lock(mutex_);
    const auto state = states_.find(node);
    const bool current = state != states_.end() && state->second.endpoint.endpoint == endpoint;
    if (current && version.ok() && !waits_stopped_) {
      changed = *version != state->second.workers_version;
      state->second.workers_version = *version;
      // An agent that answers an unchanged version long before the wait's
      // timeout does not hold waits (or its clock jumps): polled only, or
      // every wait would come straight back.
      again = changed || clock_.Now() - started >= options_.change_wait / 2;
      if (changed) {
        changed_nodes_.insert(node);
        listener = on_change_;
      }
    } else if (current && !version.ok() && version.status().code() != StatusCode::kCancelled) {
      logger_.Debug(
          "waiting for the agent's workers to change failed; polled until the next poll "
          "opens a wait again",
          {{"node", node}, {"error", version.status()}});
    }
    if (!again) {
      if (current) state->second.waiting = false;
      if (--waits_in_flight_ == 0) waits_ended_.notify_all();
    }
  }
  if (listener) listener();
  if (again) Wait(node, endpoint, *version);
}

void FleetMonitor::StopWaiting() {
  {
    const std::scoped_lock lock(mutex_);
    if (waits_stopped_ && waits_in_flight_ == 0) return;
    waits_stopped_ = true;
  }
  // Again and again: a wait that ended just before the first cancel may
  // have opened its successor just after it.
  std::unique_lock lock(mutex_);
  while (waits_in_flight_ > 0) {
    lock.unlock();
    agents_.CancelWaits();
    lock.lock();
    waits_ended_.wait_for(lock, std::chrono::milliseconds(100),
                          [this] { return waits_in_flight_ == 0; });
  }
}

void FleetMonitor::ApplyExpectations(std::map<std::string, Expectation>& expectations,
                                     NodeView& view, std::chrono::steady_clock::time_point now,
                                     std::chrono::milliseconds timeout) {
  for (auto it = expectations.begin(); it != expectations.end();) {
    const std::string& id = it->first;
    Expectation& expectation = it->second;
    auto observed = std::find_if(view.workers.begin(), view.workers.end(),
                                 [&](const ObservedWorker& worker) { return worker.id == id; });
    const bool expired = now - expectation.since >= timeout;
    bool met = false;
    if (expectation.put) {
      met = observed != view.workers.end() && observed->spec == expectation.put->spec;
      if (!met && !expired) {
        if (observed != view.workers.end()) {
          *observed = *expectation.put;
        } else {
          view.workers.push_back(*expectation.put);
        }
        const std::vector<int>& held = expectation.put->spec.partitions;
        for (PartitionView& partition : view.partitions) {
          if (std::find(held.begin(), held.end(), partition.index) != held.end()) {
            partition.holder = id;
          }
        }
      }
    } else {
      met = observed == view.workers.end() || observed->Terminating();
      if (!met && !expired) observed->state = wire::WorkerState::kDraining;
    }
    it = met || expired ? expectations.erase(it) : std::next(it);
  }
}

void FleetMonitor::Expect(const std::string& node, const std::string& id, Expectation expectation) {
  const std::scoped_lock lock(mutex_);
  const auto state = states_.find(node);
  if (state == states_.end() || !state->second.view) return;
  state->second.expectations[id] = std::move(expectation);
  auto view = std::make_shared<NodeView>(*state->second.view);
  ApplyExpectations(state->second.expectations, *view, clock_.Now(), options_.expectation_timeout);
  state->second.view = std::move(view);
  Invalidate();
}

void FleetMonitor::RecordPut(const std::string& node, const ObservedWorker& worker) {
  Expect(node, worker.id, {.put = worker, .since = clock_.Now()});
}

void FleetMonitor::RecordRemoval(const std::string& node, const std::string& id) {
  Expect(node, id, {.put = std::nullopt, .since = clock_.Now()});
}

void FleetMonitor::Invalidate() { snapshot_.reset(); }

}  // namespace tessera::controller
