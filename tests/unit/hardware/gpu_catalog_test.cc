#include "hardware/gpu_catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::hardware {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kGiB = int64_t{1} << 30;

TEST(GpuCatalogTest, Mi300xCpxNps4IsEightPartitionsOf24GiBAnd38Units) {
  const StatusOr<PartitionProfile> cpx = ResolvePartition("mi300x", "cpx");
  ASSERT_TRUE(cpx.ok()) << cpx.status();
  EXPECT_EQ(cpx->mode, (PartitionMode{ComputePartition::kCpx, MemoryPartition::kNps4}));
  EXPECT_EQ(cpx->vram_bytes, 24 * kGiB);
  EXPECT_EQ(cpx->compute_units, 38);
  EXPECT_EQ(cpx->partitions_per_gpu, 8);
  EXPECT_EQ(cpx->PartitionsPerNode(), 64);
  EXPECT_EQ(cpx->Name(), "mi300x cpx/nps4");
}

TEST(GpuCatalogTest, EveryGpuAndModeResolves) {
  for (const GpuSpec& gpu : CatalogGpus()) {
    for (const PartitionMode& mode : gpu.modes) {
      const StatusOr<PartitionProfile> profile = ResolvePartition(
          gpu.name, ComputePartitionName(mode.compute), MemoryPartitionName(mode.memory));
      ASSERT_TRUE(profile.ok()) << gpu.name << " " << PartitionModeName(mode);
      EXPECT_EQ(profile->vram_bytes * profile->partitions_per_gpu, gpu.vram_bytes);
    }
  }
}

TEST(GpuCatalogTest, WholeGpuByDefault) {
  const StatusOr<PartitionProfile> h100 = ResolvePartition("H100", "");
  ASSERT_TRUE(h100.ok());
  EXPECT_EQ(h100->vram_bytes, 80 * kGiB);
  EXPECT_EQ(h100->partitions_per_gpu, 1);
  EXPECT_EQ(ResolvePartition("mi325x", "")->vram_bytes, 256 * kGiB);
  EXPECT_EQ(ResolvePartition("mi355x", "cpx")->mode.memory, MemoryPartition::kNps2);
}

TEST(GpuCatalogTest, UnsupportedCombinationListsTheSupportedOnes) {
  const StatusOr<PartitionProfile> spx_nps4 = ResolvePartition("mi300x", "spx", "nps4");
  ASSERT_FALSE(spx_nps4.ok());
  EXPECT_THAT(spx_nps4.status().message(),
              HasSubstr("mi300x does not support partition mode spx/nps4"));
  EXPECT_THAT(spx_nps4.status().message(), HasSubstr("cpx/nps4"));
  EXPECT_FALSE(ResolvePartition("h100", "cpx").ok());
}

TEST(GpuCatalogTest, UnknownNamesAreClearErrors) {
  EXPECT_THAT(ResolvePartition("mi250", "").status().message(),
              HasSubstr("unknown GPU \"mi250\"; the catalog has mi300x"));
  EXPECT_THAT(ResolvePartition("mi300x", "xpx").status().message(),
              HasSubstr("unknown compute partition mode \"xpx\""));
  EXPECT_THAT(ResolvePartition("mi300x", "cpx", "nps3").status().message(),
              HasSubstr("unknown memory partition mode \"nps3\""));
}

TEST(ParseHardwareTest, GpuModeAndMemoryMode) {
  EXPECT_EQ(ParseHardware("mi300x")->partitions_per_gpu, 1);
  EXPECT_EQ(ParseHardware("mi300x:cpx")->mode.memory, MemoryPartition::kNps4);
  EXPECT_EQ(ParseHardware("mi300x:cpx/nps1")->mode.memory, MemoryPartition::kNps1);
  EXPECT_EQ(ParseHardware("MI300X:QPX")->partitions_per_gpu, 4);
  EXPECT_THAT(ParseHardware("mi300x:").status().message(), HasSubstr("after ':'"));
}

TEST(PartitionProfileTest, EightBitTypesRunAtTheEightBitRate) {
  const PartitionProfile cpx = *ResolvePartition("mi300x", "cpx");
  EXPECT_DOUBLE_EQ(cpx.PeakFlops(hardware::DataType::kFloat8E4M3), 2614.9e12 / 8);
  EXPECT_DOUBLE_EQ(cpx.PeakFlops(hardware::DataType::kBFloat16), 1307.4e12 / 8);
}

}  // namespace
}  // namespace tessera::hardware
