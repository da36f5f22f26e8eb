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

void FleetMonitor::PollOnce() {
  const std::vector<NodeEndpoint> listed = nodes_.Nodes();
  std::vector<NodeEndpoint> endpoints;
  {
    const std::scoped_lock lock(mutex_);
    endpoints = NodesToPoll(listed);
  }
  std::vector<StatusOr<AgentObservation>> results(endpoints.size(), UnavailableError("not polled"));
  poll_pool_.ParallelFor(endpoints.size(),
                         [&](size_t i) { results[i] = agents_.Observe(endpoints[i].endpoint); });

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
      auto view = std::make_shared<NodeView>();
      if (results[i].ok()) {
        AgentObservation& observation = *results[i];
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
        view->last_error = results[i].status().message();
        const auto silent_since = view->last_seen.value_or(state.first_known);
        if (now - silent_since >= options_.node_lost_timeout) {
          view->health = NodeHealth::kLost;
        } else if (view->last_seen) {
          view->health = NodeHealth::kUnreachable;
        }
      }
      view->name = endpoint.name;
      view->endpoint = endpoint.endpoint;
      view->unlisted = i >= listed.size();
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
        changed.push_back(view);
      }
      state.view = std::move(view);
      next_states.emplace(endpoint.name, std::move(state));
    }
    states_ = std::move(next_states);
    ++polls_;
    Invalidate();
  }
  if (options_.on_health_change) {
    for (const std::shared_ptr<const NodeView>& node : changed) options_.on_health_change(*node);
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
