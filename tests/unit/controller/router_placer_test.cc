#include "controller/placement/router_placer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::controller {
namespace {

std::shared_ptr<const NodeView> Node(const std::string& name,
                                     NodeHealth health = NodeHealth::kReachable,
                                     bool unlisted = false) {
  auto node = std::make_shared<NodeView>();
  node->name = name;
  node->health = health;
  node->unlisted = unlisted;
  return node;
}

TEST(RouterPlacerTest, SpreadsThenPrefersTheWorkersNodesThenTheName) {
  const FleetView fleet({Node("node-c"), Node("node-b"), Node("node-a")});
  PlacementRequest request{.role = "router"};
  EXPECT_EQ(PlaceRouter(fleet, request, {}).choice->node, "node-a");
  EXPECT_EQ(PlaceRouter(fleet, request, {"node-c"}).choice->node, "node-c");
  request.replicas_per_node = {{"node-c", 1}};
  EXPECT_EQ(PlaceRouter(fleet, request, {"node-c", "node-b"}).choice->node, "node-b");
  request.spread = false;
  EXPECT_EQ(PlaceRouter(fleet, request, {"node-c", "node-b"}).choice->node, "node-b")
      << "without spread, the first worker node by name";
}

TEST(RouterPlacerTest, OnlyReachableListedNodesThatDidNotRefuseIt) {
  const FleetView fleet({Node("node-a", NodeHealth::kUnreachable),
                         Node("node-b", NodeHealth::kLost),
                         Node("node-c", NodeHealth::kReachable, true), Node("node-d")});
  PlacementRequest request{.role = "router"};
  EXPECT_EQ(PlaceRouter(fleet, request, {"node-a"}).choice->node, "node-d");
  EXPECT_TRUE(PlaceRouter(fleet, request, {}).choice->partitions.empty());
  request.excluded_nodes = {"node-d"};
  const PlacementResult refused = PlaceRouter(fleet, request, {});
  EXPECT_FALSE(refused.choice);
  EXPECT_EQ(refused.failure.reason, "AgentRejected");
  const PlacementResult none = PlaceRouter(FleetView({Node("node-a", NodeHealth::kLost)}),
                                           PlacementRequest{.role = "router"}, {});
  EXPECT_EQ(none.failure.reason, "NoMatchingNodes");
  EXPECT_EQ(none.failure.message, "router: no reachable node to run it on");
}

}  // namespace
}  // namespace tessera::controller
