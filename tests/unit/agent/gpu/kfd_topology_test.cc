#include "agent/gpu/kfd_topology.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/agent/gpu/fake_amdgpu_tree.h"
#include "tests/unit/agent/gpu/temp_directory.h"

namespace tessera::agent {
namespace {

namespace fs = std::filesystem;
using testing::FakeGpu;
using ::testing::HasSubstr;
using testing::kGiB;
using testing::WriteFakeAmdgpuTree;
using testing::WriteText;

class KfdTopologyTest : public testing::TempDirectoryTest {};

TEST_F(KfdTopologyTest, SpxGpusInKfdOrderAfterTheCpuNodes) {
  WriteFakeAmdgpuTree(root_,
                      {FakeGpu{.pci_bus_id = "0000:26:00.0", .unique_id = 0xa},
                       FakeGpu{.pci_bus_id = "0000:05:00.0", .unique_id = 0xb}},
                      /*kfd_order=*/{1, 0});
  const StatusOr<std::vector<KfdGpuNode>> nodes = ReadKfdGpuNodes(root_);
  ASSERT_TRUE(nodes.ok()) << nodes.status();
  ASSERT_EQ(nodes->size(), 2U);
  EXPECT_EQ((*nodes)[0].node_id, 2) << "nodes 0 and 1 are CPUs";
  EXPECT_EQ((*nodes)[0].device_index, 0);
  EXPECT_EQ(KfdPciBusId((*nodes)[0]), "0000:05:00.0");
  EXPECT_EQ((*nodes)[0].unique_id, 0xbU);
  EXPECT_EQ((*nodes)[0].device_id, 0x74a1);
  EXPECT_EQ((*nodes)[0].compute_units, 304) << "simd_count / simd_per_cu, not the 320 slots";
  EXPECT_EQ((*nodes)[0].vram_bytes, 192 * kGiB);
  EXPECT_EQ((*nodes)[1].device_index, 1);
  EXPECT_EQ(KfdPciBusId((*nodes)[1]), "0000:26:00.0");
  EXPECT_EQ(GroupByPhysicalGpu(*nodes).size(), 2U);
}

TEST_F(KfdTopologyTest, CpxPartitionsGroupByPciDeviceIgnoringPartitionBits) {
  const FakeGpu cpx{.compute_partition = "CPX", .memory_partition = "NPS4", .partitions = 8};
  FakeGpu second = cpx;
  second.pci_bus_id = "0000:26:00.0";
  WriteFakeAmdgpuTree(root_, {cpx, second});
  const StatusOr<std::vector<KfdGpuNode>> nodes = ReadKfdGpuNodes(root_);
  ASSERT_TRUE(nodes.ok()) << nodes.status();
  ASSERT_EQ(nodes->size(), 16U);
  EXPECT_EQ((*nodes)[3].location_id >> 28, 3U);
  EXPECT_EQ(KfdPciBusId((*nodes)[3]), "0000:05:00.0");
  EXPECT_EQ((*nodes)[3].compute_units, 38);
  EXPECT_EQ((*nodes)[3].vram_bytes, 24 * kGiB);

  const std::vector<std::vector<KfdGpuNode>> gpus = GroupByPhysicalGpu(*nodes);
  ASSERT_EQ(gpus.size(), 2U);
  ASSERT_EQ(gpus[0].size(), 8U);
  ASSERT_EQ(gpus[1].size(), 8U);
  EXPECT_EQ(gpus[0][7].device_index, 7);
  EXPECT_EQ(gpus[1][0].device_index, 8);
  EXPECT_EQ(KfdPciBusId(gpus[1][0]), "0000:26:00.0");
}

TEST_F(KfdTopologyTest, PartitionsInThePciFunctionBitsGroupToo) {
  // Kernels that told partitions apart by PCI function rather than bits 31:28.
  for (int node = 0; node < 2; ++node) {
    const fs::path directory = root_ / "sys/class/kfd/kfd/topology/nodes" / std::to_string(node);
    WriteText(directory / "gpu_id", std::to_string(100 + node) + "\n");
    WriteText(directory / "properties", "simd_count 304\nsimd_per_cu 4\ndomain 0\nlocation_id " +
                                            std::to_string(0x0500 + node) + "\nlocal_mem_size " +
                                            std::to_string(96 * kGiB) + "\n");
  }
  const StatusOr<std::vector<KfdGpuNode>> nodes = ReadKfdGpuNodes(root_);
  ASSERT_TRUE(nodes.ok()) << nodes.status();
  EXPECT_EQ(GroupByPhysicalGpu(*nodes).size(), 1U);
  EXPECT_EQ((*nodes)[1].vram_bytes, 96 * kGiB) << "local_mem_size without memory banks";
  EXPECT_EQ((*nodes)[1].compute_units, 76);
}

TEST_F(KfdTopologyTest, NoTopologyIsNotFoundNamingThePath) {
  const StatusOr<std::vector<KfdGpuNode>> nodes = ReadKfdGpuNodes(root_);
  EXPECT_EQ(nodes.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(nodes.status().message(), HasSubstr("sys/class/kfd/kfd/topology/nodes"));
}

TEST_F(KfdTopologyTest, ProcessVramSumsPerGpuId) {
  const testing::FakeTree tree = WriteFakeAmdgpuTree(
      root_, {FakeGpu{.compute_partition = "CPX", .memory_partition = "NPS4", .partitions = 8}});
  const fs::path processes = root_ / "sys/class/kfd/kfd/proc";
  const uint32_t third = tree.gpu_ids[0][2];
  WriteText(processes / ("4242/vram_" + std::to_string(third)), std::to_string(20 * kGiB) + "\n");
  WriteText(processes / ("4243/vram_" + std::to_string(third)), std::to_string(kGiB) + "\n");
  WriteText(processes / ("4243/vram_" + std::to_string(tree.gpu_ids[0][0])), "0\n");
  WriteText(processes / ("4243/sdma_" + std::to_string(third)), "12345\n");
  WriteText(processes / "4243/pasid", "32770\n");
  const std::map<uint32_t, int64_t> used = ReadKfdProcessVram(root_);
  ASSERT_EQ(used.size(), 1U);
  EXPECT_EQ(used.at(third), 21 * kGiB);
}

}  // namespace
}  // namespace tessera::agent
