#include "controller/fleet/fleet_view.h"

#include <algorithm>

namespace tessera::controller {

std::string_view NodeHealthName(NodeHealth health) {
  switch (health) {
    case NodeHealth::kUnknown:
      return "unknown";
    case NodeHealth::kReachable:
      return "reachable";
    case NodeHealth::kUnreachable:
      return "unreachable";
    case NodeHealth::kLost:
      return "lost";
  }
  return "unknown";
}

const GpuView* NodeView::FindGpu(int index) const {
  const auto it = std::find_if(gpus.begin(), gpus.end(),
                               [index](const GpuView& gpu) { return gpu.index == index; });
  return it == gpus.end() ? nullptr : &*it;
}

FleetView::FleetView(std::vector<std::shared_ptr<const NodeView>> nodes, uint64_t poll)
    : nodes_(std::move(nodes)), poll_(poll) {
  for (const std::shared_ptr<const NodeView>& node : nodes_) {
    if (node->health == NodeHealth::kUnknown) synced_ = false;
    for (const ObservedWorker& worker : node->workers) {
      by_deployment_[{worker.spec.namespace_name, worker.spec.deployment}].push_back(
          {.node = node.get(), .worker = &worker});
    }
  }
}

const NodeView* FleetView::FindNode(std::string_view name) const {
  const auto it = std::find_if(nodes_.begin(), nodes_.end(),
                               [name](const auto& node) { return node->name == name; });
  return it == nodes_.end() ? nullptr : it->get();
}

std::span<const WorkerRef> FleetView::WorkersOf(std::string_view namespace_name,
                                                std::string_view deployment) const {
  const auto it =
      by_deployment_.find(std::make_pair(std::string(namespace_name), std::string(deployment)));
  if (it == by_deployment_.end()) return {};
  return it->second;
}

}  // namespace tessera::controller
