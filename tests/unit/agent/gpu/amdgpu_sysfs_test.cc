#include "agent/gpu/amdgpu_sysfs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/gpu/sysfs_file.h"
#include "tests/unit/agent/gpu/fake_amdgpu_tree.h"
#include "tests/unit/agent/gpu/temp_directory.h"

namespace tessera::agent {
namespace {

namespace fs = std::filesystem;
using hardware::ComputePartition;
using hardware::MemoryPartition;
using ::testing::ElementsAre;
using testing::FakeGpu;
using ::testing::HasSubstr;
using testing::WriteFakeAmdgpuTree;
using testing::WriteText;

class AmdgpuSysfsTest : public testing::TempDirectoryTest {};

TEST_F(AmdgpuSysfsTest, PartitionModesAsTheKernelPrintsThem) {
  WriteText(root_ / "current_compute_partition", "CPX\n");
  WriteText(root_ / "available_compute_partition", "SPX, DPX, QPX, CPX\n");
  WriteText(root_ / "current_memory_partition", "NPS4\n");
  WriteText(root_ / "available_memory_partition", "NPS1, NPS4\n");
  const StatusOr<AmdgpuPartitionModes> modes = ReadPartitionModes(root_);
  ASSERT_TRUE(modes.ok()) << modes.status();
  EXPECT_EQ(modes->current.compute, ComputePartition::kCpx);
  EXPECT_EQ(modes->current.memory, MemoryPartition::kNps4);
  EXPECT_THAT(modes->available_compute,
              ElementsAre(ComputePartition::kSpx, ComputePartition::kDpx, ComputePartition::kQpx,
                          ComputePartition::kCpx));
  EXPECT_THAT(modes->available_memory, ElementsAre(MemoryPartition::kNps1, MemoryPartition::kNps4));
}

TEST_F(AmdgpuSysfsTest, AGpuWithoutPartitionFilesIsSpxNps1Only) {
  const StatusOr<AmdgpuPartitionModes> modes = ReadPartitionModes(root_);
  ASSERT_TRUE(modes.ok()) << modes.status();
  EXPECT_EQ(modes->current, (hardware::PartitionMode{}));
  EXPECT_THAT(modes->available_compute, ElementsAre(ComputePartition::kSpx));
  EXPECT_THAT(modes->available_memory, ElementsAre(MemoryPartition::kNps1));
}

TEST_F(AmdgpuSysfsTest, ModesTesseraDoesNotKnowAreSkippedInListsAndAnErrorWhenCurrent) {
  WriteText(root_ / "available_compute_partition", "SPX, TPX, CPX\n");
  WriteText(root_ / "available_memory_partition", "NPS1, NPS8\n");
  StatusOr<AmdgpuPartitionModes> modes = ReadPartitionModes(root_);
  ASSERT_TRUE(modes.ok()) << modes.status();
  EXPECT_THAT(modes->available_compute,
              ElementsAre(ComputePartition::kSpx, ComputePartition::kCpx));
  EXPECT_THAT(modes->available_memory, ElementsAre(MemoryPartition::kNps1));

  WriteText(root_ / "current_compute_partition", "TPX\n");
  modes = ReadPartitionModes(root_);
  ASSERT_FALSE(modes.ok());
  EXPECT_THAT(modes.status().message(), HasSubstr("current_compute_partition"));
  EXPECT_THAT(modes.status().message(), HasSubstr("TPX"));
}

TEST_F(AmdgpuSysfsTest, FindsTheCardOfAPciAddressAmongPartitionCards) {
  FakeGpu cpx{.pci_bus_id = "0000:26:00.0", .compute_partition = "CPX", .partitions = 8};
  const testing::FakeTree tree =
      WriteFakeAmdgpuTree(root_, {FakeGpu{.pci_bus_id = "0000:05:00.0"}, cpx});
  WriteText(root_ / "sys/class/drm/card0-DP-1/status", "disconnected\n");
  const std::optional<fs::path> device = FindDrmDeviceDirectory(root_, "0000:26:00.0");
  ASSERT_TRUE(device.has_value());
  EXPECT_EQ(*device, root_ / "sys/class/drm/card1/device");
  EXPECT_EQ(fs::canonical(*device), fs::canonical(tree.device_directories[1]));
  EXPECT_EQ(FindDrmDeviceDirectory(root_, "0000:99:00.0"), std::nullopt);
}

TEST_F(AmdgpuSysfsTest, HwmonReadingsOfAnMi300) {
  WriteText(root_ / "hwmon/hwmon3/name", "nvme\n");
  const testing::FakeTree tree =
      WriteFakeAmdgpuTree(root_, {FakeGpu{.junction_celsius = 61.5,
                                          .memory_celsius = 52,
                                          .power_watts = 512,
                                          .power_average = false,
                                          .gfx_clock_hz = 1'420'000'000}});
  const std::optional<fs::path> hwmon = FindAmdgpuHwmon(tree.device_directories[0]);
  ASSERT_TRUE(hwmon.has_value());
  EXPECT_EQ(ReadSysfsText(*hwmon / "name"), "amdgpu");

  const HwmonTemperatures temperatures = ReadHwmonTemperatures(*hwmon);
  EXPECT_EQ(temperatures.edge, std::nullopt) << "MI300-class parts have no edge sensor";
  EXPECT_EQ(temperatures.junction, 61.5);
  EXPECT_EQ(temperatures.memory, 52);
  EXPECT_EQ(ReadHwmonPowerWatts(*hwmon), 512) << "power1_input when there is no power1_average";
  EXPECT_EQ(ReadHwmonClockMhz(*hwmon, 1), 1420);
  EXPECT_EQ(ReadHwmonClockMhz(*hwmon, 2), 1300);
  EXPECT_EQ(ReadHwmonClockMhz(*hwmon, 3), std::nullopt);
}

TEST_F(AmdgpuSysfsTest, PowerAveragePreferredAndEdgeReadWhereLabelled) {
  WriteText(root_ / "power1_average", "300000000\n");
  WriteText(root_ / "power1_input", "310000000\n");
  WriteText(root_ / "temp1_label", "edge\n");
  WriteText(root_ / "temp1_input", "38000\n");
  EXPECT_EQ(ReadHwmonPowerWatts(root_), 300);
  EXPECT_EQ(ReadHwmonTemperatures(root_).edge, 38);
  EXPECT_EQ(ReadHwmonPowerWatts(root_ / "absent"), std::nullopt);
}

TEST_F(AmdgpuSysfsTest, RasCountsSumEveryBlockAndIgnoreDeferredAndUnavailable) {
  WriteText(root_ / "ras/umc_err_count", "ue: 1\nce: 7\nde: 4\n");
  WriteText(root_ / "ras/gfx_err_count", "ue: 0\nce: 2\n");
  WriteText(root_ / "ras/sdma_err_count", "Query currently inaccessible\n");
  WriteText(root_ / "ras/features", "feature mask: 0x00003f7f\n");
  const std::optional<EccCounts> counts = ReadRasErrorCounts(root_);
  ASSERT_TRUE(counts.has_value());
  EXPECT_EQ(counts->correctable, 9);
  EXPECT_EQ(counts->uncorrectable, 1);
  EXPECT_EQ(ReadRasErrorCounts(root_ / "absent"), std::nullopt);
}

TEST_F(AmdgpuSysfsTest, PcieLink) {
  WriteText(root_ / "current_link_width", "16\n");
  WriteText(root_ / "current_link_speed", "32.0 GT/s PCIe\n");
  const PcieLink link = ReadPcieLink(root_);
  EXPECT_EQ(link.width, 16);
  EXPECT_EQ(link.speed_gts, 32.0);
  WriteText(root_ / "current_link_speed", "Unknown\n");
  EXPECT_EQ(ReadPcieLink(root_).speed_gts, std::nullopt);
}

TEST_F(AmdgpuSysfsTest, DiagnosesWhyRsmiInitFailed) {
  EXPECT_THAT(DiagnoseRocmSmiInitFailure(root_), HasSubstr("no AMD GPU driver (amdgpu) found"));

  WriteFakeAmdgpuTree(root_, {FakeGpu{.vddgfx_label = false}});
  EXPECT_THAT(DiagnoseRocmSmiInitFailure(root_), HasSubstr("in0_label is missing"));

  fs::remove_all(root_ / "sys/devices/virtual/kfd");
  EXPECT_THAT(DiagnoseRocmSmiInitFailure(root_), HasSubstr("KFD is not"));
}

TEST_F(AmdgpuSysfsTest, NoDiagnosisForACompleteTree) {
  WriteFakeAmdgpuTree(root_, {FakeGpu{}});
  EXPECT_EQ(DiagnoseRocmSmiInitFailure(root_), "");
}

}  // namespace
}  // namespace tessera::agent
