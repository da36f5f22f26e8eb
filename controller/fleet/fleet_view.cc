#include "controller/fleet/fleet_view.h"

#include <algorithm>

namespace tessera::controller {

bool ObservedWorker::Terminating() const {
  return state == "draining" || state == "stopping" || state == "stopped";
}

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

bool FleetView::Synced() const {
  return std::none_of(nodes.begin(), nodes.end(),
                      [](const NodeView& node) { return node.health == NodeHealth::kUnknown; });
}

const NodeView* FleetView::FindNode(std::string_view name) const {
  const auto it = std::find_if(nodes.begin(), nodes.end(),
                               [name](const NodeView& node) { return node.name == name; });
  return it == nodes.end() ? nullptr : &*it;
}

NodeView* FleetView::FindNode(std::string_view name) {
  return const_cast<NodeView*>(std::as_const(*this).FindNode(name));  // NOLINT(*-const-cast)
}

}  // namespace tessera::controller
