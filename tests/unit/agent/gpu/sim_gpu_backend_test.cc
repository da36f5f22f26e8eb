#include "agent/gpu/sim_gpu_backend.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::agent {
namespace {

using ::testing::HasSubstr;

TEST(SimTopologyTest, ShorthandDescribesAFullCpxNode) {
  StatusOr<SimTopology> topology = ParseSimTopologyShorthand("8xmi300x:cpx/nps4");
  ASSERT_TRUE(topology.ok()) << topology.status();
  SimGpuBackend backend(*topology);
  StatusOr<NodeInventory> inventory = backend.Read();
  ASSERT_TRUE(inventory.ok());
  ASSERT_EQ(inventory->gpus.size(), 8U);
  const std::vector<const GpuPartition*> partitions = inventory->Partitions();
  ASSERT_EQ(partitions.size(), 64U);
  EXPECT_EQ(partitions[63]->index, 63);
  EXPECT_EQ(partitions[63]->gpu_index, 7);
  EXPECT_EQ(partitions[63]->index_in_gpu, 7);
  EXPECT_EQ(partitions[0]->vram_total_bytes, inventory->gpus[0].vram_total_bytes / 8);
  EXPECT_EQ(partitions[0]->compute_units, 38);
  EXPECT_EQ(inventory->gpus[5].numa_node, 1);
  EXPECT_EQ(inventory->gpus[0].partition_mode.compute, hardware::ComputePartition::kCpx);
}

TEST(SimTopologyTest, YamlWithSeveralGroupsAndErrorsNamingTheKey) {
  StatusOr<SimTopology> topology = ParseSimTopology(R"(
hostname: node-a
gpus:
  - {product: mi300x, count: 2, compute_partition: spx}
  - {product: mi300x, count: 1, compute_partition: cpx, memory_partition: nps4}
)");
  ASSERT_TRUE(topology.ok()) << topology.status();
  SimGpuBackend backend(*topology);
  EXPECT_EQ(backend.Read()->Partitions().size(), 10U);
  EXPECT_EQ(backend.Read()->hostname, "node-a");
  EXPECT_THAT(
      ParseSimTopology("gpus: [{product: mi300x, compute_partition: tpx}]").status().message(),
      HasSubstr("gpus[0]"));
  EXPECT_THAT(ParseSimTopology("gpus: [{product: mi300x, cout: 2}]").status().message(),
              HasSubstr("gpus[0].cout: unknown field"));
  EXPECT_THAT(ParseSimTopologyShorthand("0xmi300x").status().message(), HasSubstr("GPU count"));
}

TEST(SimGpuBackendTest, UsageFollowsObservedWorkloads) {
  SimGpuBackend backend(*ParseSimTopologyShorthand("1xmi300x:cpx/nps4"));
  const NodeInventory idle = *backend.Read();
  const std::vector<PartitionWorkload> workloads = {
      {.partition = 2, .reserved_vram_bytes = int64_t{20} << 30, .in_flight_requests = 4},
      {.partition = 3, .reserved_vram_bytes = int64_t{1} << 40, .in_flight_requests = 10}};
  backend.ObserveWorkloads(workloads);
  const NodeInventory busy = *backend.Read();
  EXPECT_EQ(busy.FindPartition(2)->vram_used_bytes, int64_t{20} << 30);
  EXPECT_EQ(busy.FindPartition(3)->vram_used_bytes, busy.FindPartition(3)->vram_total_bytes)
      << "clamped to the partition";
  EXPECT_EQ(busy.FindPartition(2)->busy_percent, 100) << "four requests saturate a partition";
  EXPECT_EQ(busy.FindPartition(3)->busy_percent, 100) << "clamped";
  EXPECT_DOUBLE_EQ(busy.gpus[0].busy_percent, 25);
  EXPECT_GT(*busy.gpus[0].power_watts, *idle.gpus[0].power_watts);
  EXPECT_GT(*busy.gpus[0].junction_temperature_celsius, *idle.gpus[0].junction_temperature_celsius);
  backend.ObserveWorkloads({});
  EXPECT_EQ(backend.Read()->FindPartition(2)->vram_used_bytes, 0);
}

}  // namespace
}  // namespace tessera::agent
