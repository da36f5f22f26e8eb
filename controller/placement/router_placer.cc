#include "controller/placement/router_placer.h"

#include <string_view>
#include <tuple>

namespace tessera::controller {

PlacementResult PlaceRouter(const FleetView& fleet, const PlacementRequest& request,
                            const std::set<std::string>& worker_nodes) {
  const NodeView* best = nullptr;
  std::tuple<int, bool, std::string_view> best_score{};
  bool excluded_any = false;
  for (const std::shared_ptr<const NodeView>& node : fleet.nodes()) {
    if (node->health != NodeHealth::kReachable || node->unlisted) continue;
    if (request.excluded_nodes.contains(node->name)) {
      excluded_any = true;
      continue;
    }
    const auto routers = request.replicas_per_node.find(node->name);
    const int spread =
        request.spread && routers != request.replicas_per_node.end() ? routers->second : 0;
    // Lower is better.
    const std::tuple<int, bool, std::string_view> score{spread, !worker_nodes.contains(node->name),
                                                        node->name};
    if (best == nullptr || score < best_score) {
      best = node.get();
      best_score = score;
    }
  }
  if (best != nullptr) return {.choice = PlacementChoice{.node = best->name, .partitions = {}}};
  if (excluded_any) {
    return {.choice = {},
            .failure = {.reason = "AgentRejected",
                        .message = request.role + ": every reachable node refused it"}};
  }
  return {.choice = {},
          .failure = {.reason = "NoMatchingNodes",
                      .message = request.role + ": no reachable node to run it on"}};
}

}  // namespace tessera::controller
