#include "controller/fleet/fleet_monitor.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "base/units.h"

namespace tessera::controller {

FleetMonitor::FleetMonitor(AgentApi& agents, const NodeSource& nodes, const Clock& clock,
                           FleetMonitorOptions options, Logger logger)
    : agents_(agents),
      nodes_(nodes),
      clock_(clock),
      options_(options),
      logger_(std::move(logger)) {}

std::shared_ptr<const FleetView> FleetMonitor::Snapshot() const {
  const std::scoped_lock lock(mutex_);
  if (!snapshot_) {
    auto view = std::make_shared<FleetView>();
    view->nodes.reserve(states_.size());
    for (const auto& [name, state] : states_) view->nodes.push_back(state.view);
    snapshot_ = std::move(view);
  }
  return snapshot_;
}

void FleetMonitor::PollOnce() {
  const std::vector<NodeEndpoint> endpoints = nodes_.Nodes();
  std::vector<StatusOr<AgentObservation>> results(endpoints.size(), UnavailableError("not polled"));
  std::atomic<size_t> next{0};
  auto poll = [&] {
    for (size_t i = next++; i < endpoints.size(); i = next++) {
      results[i] = agents_.Observe(endpoints[i].endpoint);
    }
  };
  const size_t threads =
      std::min(endpoints.size(), static_cast<size_t>(std::max(1, options_.parallelism)));
  std::vector<std::thread> pool;
  for (size_t i = 1; i < threads; ++i) pool.emplace_back(poll);
  poll();
  for (std::thread& thread : pool) thread.join();

  const std::chrono::steady_clock::time_point now = clock_.Now();
  const std::scoped_lock lock(mutex_);
  std::map<std::string, NodeState> next_states;
  for (size_t i = 0; i < endpoints.size(); ++i) {
    const NodeEndpoint& endpoint = endpoints[i];
    auto existing = states_.find(endpoint.name);
    NodeState state = existing != states_.end()
                          ? std::move(existing->second)
                          : NodeState{.first_known = now, .view = {}, .expectations = {}};
    NodeView& view = state.view;
    view.name = endpoint.name;
    view.endpoint = endpoint.endpoint;
    const NodeHealth before = view.health;
    if (results[i].ok()) {
      AgentObservation& observation = *results[i];
      view.health = NodeHealth::kReachable;
      view.last_seen = now;
      view.last_error.clear();
      view.labels = std::move(observation.labels);
      for (const auto& [key, value] : endpoint.labels) view.labels[key] = value;
      view.gpus = std::move(observation.gpus);
      view.partitions = std::move(observation.partitions);
      view.workers = std::move(observation.workers);
    } else {
      view.last_error = results[i].status().message();
      const auto silent_since = view.last_seen.value_or(state.first_known);
      if (now - silent_since >= options_.node_lost_timeout) {
        view.health = NodeHealth::kLost;
      } else if (view.last_seen) {
        view.health = NodeHealth::kUnreachable;
      }
    }
    ApplyExpectations(state, now);
    if (view.health != before) {
      logger_.Info("node health changed", {{"node", view.name},
                                           {"from", NodeHealthName(before)},
                                           {"to", NodeHealthName(view.health)},
                                           {"error", view.last_error}});
    }
    next_states.emplace(endpoint.name, std::move(state));
  }
  states_ = std::move(next_states);
  Invalidate();
}

void FleetMonitor::ApplyExpectations(NodeState& state, std::chrono::steady_clock::time_point now) {
  NodeView& view = state.view;
  for (auto it = state.expectations.begin(); it != state.expectations.end();) {
    const std::string& id = it->first;
    Expectation& expectation = it->second;
    auto observed = std::find_if(view.workers.begin(), view.workers.end(),
                                 [&](const ObservedWorker& worker) { return worker.id == id; });
    const bool expired = now - expectation.since >= options_.expectation_timeout;
    bool met = false;
    if (expectation.put) {
      met = observed != view.workers.end() && observed->spec == expectation.put->spec;
      if (!met && !expired) {
        if (observed != view.workers.end()) {
          *observed = *expectation.put;
        } else {
          view.workers.push_back(*expectation.put);
        }
        for (PartitionView& partition : view.partitions) {
          if (std::find(expectation.put->spec.partitions.begin(),
                        expectation.put->spec.partitions.end(),
                        partition.index) != expectation.put->spec.partitions.end()) {
            partition.holder = id;
          }
        }
      }
    } else {
      met = observed == view.workers.end() || observed->Terminating();
      if (!met && !expired) observed->state = "draining";
    }
    it = met || expired ? state.expectations.erase(it) : std::next(it);
  }
}

void FleetMonitor::RecordPut(const std::string& node, const ObservedWorker& worker) {
  const std::scoped_lock lock(mutex_);
  const auto state = states_.find(node);
  if (state == states_.end()) return;
  state->second.expectations[worker.id] = {.put = worker, .since = clock_.Now()};
  ApplyExpectations(state->second, clock_.Now());
  Invalidate();
}

void FleetMonitor::RecordRemoval(const std::string& node, const std::string& id) {
  const std::scoped_lock lock(mutex_);
  const auto state = states_.find(node);
  if (state == states_.end()) return;
  state->second.expectations[id] = {.put = std::nullopt, .since = clock_.Now()};
  ApplyExpectations(state->second, clock_.Now());
  Invalidate();
}

void FleetMonitor::Invalidate() { snapshot_.reset(); }

}  // namespace tessera::controller
