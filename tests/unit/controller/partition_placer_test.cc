#include "controller/placement/partition_placer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::controller {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kGiB = int64_t{1} << 30;

NodeView Node(const std::string& name, int gpus, int per_gpu, int64_t vram = 24 * kGiB,
              hardware::ComputePartition compute = hardware::ComputePartition::kCpx) {
  NodeView node;
  node.name = name;
  node.health = NodeHealth::kReachable;
  for (int gpu = 0; gpu < gpus; ++gpu) {
    node.gpus.push_back({.index = gpu,
                         .product = "mi300x",
                         .mode = {.compute = compute, .memory = hardware::MemoryPartition::kNps4}});
    for (int part = 0; part < per_gpu; ++part) {
      node.partitions.push_back({.index = gpu * per_gpu + part,
                                 .gpu = gpu,
                                 .index_in_gpu = part,
                                 .vram_bytes = vram,
                                 .compute_units = 38,
                                 .holder = {}});
    }
  }
  return node;
}

FleetView Fleet(std::vector<NodeView> nodes) {
  std::vector<std::shared_ptr<const NodeView>> shared;
  for (NodeView& node : nodes) shared.push_back(std::make_shared<const NodeView>(std::move(node)));
  return FleetView(std::move(shared));
}

void Hold(NodeView& node, std::initializer_list<int> partitions) {
  for (int index : partitions) node.partitions[static_cast<size_t>(index)].holder = "other";
}

PlacementRequest Request(int size, int64_t vram = 20 * kGiB) {
  return {.role = "decode",
          .partitions_per_worker = size,
          .min_partition_vram_bytes = vram,
          .compute_partition = std::nullopt,
          .memory_partition = std::nullopt,
          .node_selector = {},
          .spread = true,
          .replicas_per_node = {}};
}

TEST(PartitionPlacerTest, KeepsATensorParallelGroupInsideOneGpu) {
  std::vector<NodeView> fleet_nodes;
  fleet_nodes.push_back(Node("node-a", 2, 8));
  Hold(fleet_nodes[0], {0, 1});  // GPU 0 has 6 free, GPU 1 has 8
  const FleetView fleet = Fleet(std::move(fleet_nodes));
  PartitionPlacer placer(fleet);
  PlacementResult result = placer.Place(Request(4));
  ASSERT_TRUE(result.choice) << result.failure.message;
  // Best fit: the fuller GPU 0, so GPU 1 stays whole for a group of 8.
  EXPECT_THAT(result.choice->partitions, ElementsAre(2, 3, 4, 5));
  result = placer.Place(Request(8));
  ASSERT_TRUE(result.choice);
  EXPECT_THAT(result.choice->partitions, ElementsAre(8, 9, 10, 11, 12, 13, 14, 15));
}

TEST(PartitionPlacerTest, SpreadsReplicasAcrossNodes) {
  std::vector<NodeView> fleet_nodes;
  fleet_nodes.push_back(Node("node-a", 1, 8));
  fleet_nodes.push_back(Node("node-b", 1, 8));
  const FleetView fleet = Fleet(std::move(fleet_nodes));
  PartitionPlacer placer(fleet);
  PlacementRequest request = Request(1);
  std::vector<std::string> nodes;
  for (int i = 0; i < 4; ++i) {
    PlacementResult result = placer.Place(request);
    ASSERT_TRUE(result.choice);
    nodes.push_back(result.choice->node);
    ++request.replicas_per_node[result.choice->node];
  }
  EXPECT_THAT(nodes, ElementsAre("node-a", "node-b", "node-a", "node-b"));
}

TEST(PartitionPlacerTest, WithoutSpreadPacksTheFullerNode) {
  std::vector<NodeView> fleet_nodes;
  fleet_nodes.push_back(Node("node-a", 1, 8));
  fleet_nodes.push_back(Node("node-b", 1, 8));
  Hold(fleet_nodes[1], {0});
  const FleetView fleet = Fleet(std::move(fleet_nodes));
  PartitionPlacer placer(fleet);
  PlacementRequest request = Request(1);
  request.spread = false;
  PlacementResult result = placer.Place(request);
  ASSERT_TRUE(result.choice);
  EXPECT_EQ(result.choice->node, "node-b");
}

TEST(PartitionPlacerTest, SpansGpusOnlyWhenTheGroupIsWiderThanOne) {
  std::vector<NodeView> fleet_nodes;
  fleet_nodes.push_back(Node("node-a", 2, 4));
  const FleetView fleet = Fleet(std::move(fleet_nodes));
  PartitionPlacer placer(fleet);
  PlacementResult result = placer.Place(Request(8));
  ASSERT_TRUE(result.choice);
  EXPECT_THAT(result.choice->partitions, ElementsAre(0, 1, 2, 3, 4, 5, 6, 7));
}

// TP 16 on two 8-partition GPUs, one of them partly used, and two empty
// ones: the empty GPUs, so the group spans two GPUs, not three.
TEST(PartitionPlacerTest, AWideGroupTakesWholeEmptyGpusFirst) {
  std::vector<NodeView> fleet_nodes;
  fleet_nodes.push_back(Node("node-a", 3, 8));
  Hold(fleet_nodes[0], {0, 1});
  const FleetView fleet = Fleet(std::move(fleet_nodes));
  PartitionPlacer placer(fleet);
  PlacementResult result = placer.Place(Request(16));
  ASSERT_TRUE(result.choice);
  EXPECT_THAT(result.choice->partitions,
              ElementsAre(8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23));
}

TEST(PartitionPlacerTest, ExcludedAndUnlistedNodesAreNeverChosen) {
  std::vector<NodeView> fleet_nodes;
  fleet_nodes.push_back(Node("node-a", 1, 8));
  fleet_nodes.push_back(Node("node-b", 1, 8));
  fleet_nodes.push_back(Node("node-c", 1, 8));
  fleet_nodes[2].unlisted = true;
  const FleetView fleet = Fleet(std::move(fleet_nodes));
  PartitionPlacer placer(fleet);
  PlacementRequest request = Request(1);
  request.excluded_nodes = {"node-a"};
  for (int i = 0; i < 8; ++i) {
    PlacementResult result = placer.Place(request);
    ASSERT_TRUE(result.choice) << i;
    EXPECT_EQ(result.choice->node, "node-b");
  }
  request.excluded_nodes = {"node-a", "node-b"};
  const PlacementResult refused = PartitionPlacer(fleet).Place(request);
  ASSERT_FALSE(refused.choice);
  EXPECT_EQ(refused.failure.reason, "AgentRejected");
  EXPECT_EQ(refused.failure.message,
            "decode: the agents of node-a, node-b refused this worker spec");
}

TEST(PartitionPlacerTest, HonoursModeSelectorAndVram) {
  std::vector<NodeView> fleet_nodes;
  fleet_nodes.push_back(Node("spx", 1, 1, 192 * kGiB, hardware::ComputePartition::kSpx));
  fleet_nodes.push_back(Node("cpx", 1, 8));
  fleet_nodes[1].labels["pool"] = "a";
  const FleetView fleet = Fleet(std::move(fleet_nodes));
  PartitionPlacer placer(fleet);
  PlacementRequest request = Request(1);
  request.compute_partition = hardware::ComputePartition::kCpx;
  request.node_selector = {{"pool", "a"}};
  PlacementResult result = placer.Place(request);
  ASSERT_TRUE(result.choice);
  EXPECT_EQ(result.choice->node, "cpx");
  PlacementResult big = placer.Place(Request(1, 100 * kGiB));
  ASSERT_TRUE(big.choice);
  EXPECT_EQ(big.choice->node, "spx");
}

TEST(PartitionPlacerTest, ExplainsTheLargestFreeGroup) {
  std::vector<NodeView> fleet_nodes;
  fleet_nodes.push_back(Node("node-a", 1, 8));
  fleet_nodes.push_back(Node("node-b", 1, 8));
  Hold(fleet_nodes[0], {0, 1, 2, 3, 4, 5, 6, 7});
  Hold(fleet_nodes[1], {0, 1, 2, 3, 4, 5});
  const FleetView fleet = Fleet(std::move(fleet_nodes));
  PartitionPlacer placer(fleet);
  PlacementRequest request = Request(4, 22'870'000'000);
  request.compute_partition = hardware::ComputePartition::kCpx;
  const PlacementResult result = placer.Place(request);
  ASSERT_FALSE(result.choice);
  EXPECT_EQ(result.failure.reason, "InsufficientPartitions");
  EXPECT_EQ(result.failure.message,
            "decode: needs 4 partitions of ≥ 21.30 GiB (cpx) on one node; largest free group: 2 "
            "on node-b");
}

TEST(PartitionPlacerTest, ExplainsEveryOtherFailure) {
  FleetView empty;
  EXPECT_THAT(PartitionPlacer(empty).Place(Request(1)).failure.message,
              HasSubstr("no GPU node is known"));

  std::vector<NodeView> unreachable_nodes;
  unreachable_nodes.push_back(Node("node-a", 1, 8));
  unreachable_nodes[0].health = NodeHealth::kLost;
  const FleetView unreachable = Fleet(std::move(unreachable_nodes));
  EXPECT_THAT(PartitionPlacer(unreachable).Place(Request(1)).failure.message,
              HasSubstr("no GPU node is reachable (node-a lost)"));

  std::vector<NodeView> fleet_nodes;
  fleet_nodes.push_back(Node("node-a", 1, 8));
  PlacementRequest selector = Request(1);
  selector.node_selector = {{"pool", "b"}};
  const FleetView fleet = Fleet(std::move(fleet_nodes));
  EXPECT_EQ(PartitionPlacer(fleet).Place(selector).failure.message,
            "decode: no reachable node matches nodeSelector pool=b");
  PlacementRequest mode = Request(1);
  mode.compute_partition = hardware::ComputePartition::kSpx;
  EXPECT_EQ(PartitionPlacer(fleet).Place(mode).failure.message,
            "decode: no reachable node has spx partitions");
  const PlacementResult too_large = PartitionPlacer(fleet).Place(Request(1, 30 * kGiB));
  EXPECT_EQ(too_large.failure.reason, "ModelTooLarge");
  EXPECT_EQ(too_large.failure.message,
            "decode: needs 1 partition of ≥ 30 GiB on one node; the largest partition has 24 GiB");
  EXPECT_THAT(PartitionPlacer(fleet).Place(Request(16)).failure.message,
              HasSubstr("the most any node has is 8"));
}

}  // namespace
}  // namespace tessera::controller
