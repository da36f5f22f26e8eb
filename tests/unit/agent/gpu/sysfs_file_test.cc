#include "agent/gpu/sysfs_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/gpu/amd_gpu_products.h"
#include "hardware/gpu_catalog.h"
#include "tests/unit/agent/gpu/fake_amdgpu_tree.h"
#include "tests/unit/agent/gpu/temp_directory.h"

namespace tessera::agent {
namespace {

using ::testing::UnorderedElementsAre;
using testing::WriteText;

class SysfsFileTest : public testing::TempDirectoryTest {};

TEST_F(SysfsFileTest, TextIsTrimmedAndAbsentFilesAreNullopt) {
  WriteText(root_ / "gpu_busy_percent", "37\n");
  EXPECT_EQ(ReadSysfsText(root_ / "gpu_busy_percent"), "37");
  EXPECT_EQ(ReadSysfsInteger(root_ / "gpu_busy_percent"), 37);
  EXPECT_EQ(ReadSysfsText(root_ / "absent"), std::nullopt);
  EXPECT_EQ(ReadSysfsText(root_), std::nullopt) << "a directory";
  EXPECT_THAT(ListSysfsDirectory(root_), UnorderedElementsAre("gpu_busy_percent"));
  EXPECT_TRUE(ListSysfsDirectory(root_ / "absent").empty());
}

TEST(SysfsIntegerTest, DecimalHexAndNegative) {
  EXPECT_EQ(ParseSysfsInteger("0x1002\n"), 0x1002);
  EXPECT_EQ(ParseSysfsInteger("-1"), -1);
  EXPECT_EQ(ParseSysfsInteger(" 42 "), 42);
  EXPECT_EQ(ParseSysfsInteger(""), std::nullopt);
  EXPECT_EQ(ParseSysfsInteger("32.0 GT/s"), std::nullopt);
  EXPECT_EQ(ParseSysfsInteger("18446744073709551615"), std::nullopt) << "beyond int64";
}

TEST(AmdGpuProductTest, DeviceIdsMapToCatalogGpus) {
  EXPECT_EQ(FindAmdGpuProduct(0x74a1).catalog_name, "mi300x");
  EXPECT_EQ(FindAmdGpuProduct(0x74b5).catalog_name, "mi300x") << "the SR-IOV function";
  EXPECT_EQ(FindAmdGpuProduct(0x74a5).catalog_name, "mi325x");
  EXPECT_EQ(FindAmdGpuProduct(0x75a3).catalog_name, "mi355x");
  EXPECT_EQ(FindAmdGpuProduct(0x75a0).catalog_name, "") << "MI350X is not in the catalog";
  EXPECT_EQ(FindAmdGpuProduct(0x75a0).display_name, "AMD Instinct MI350X");
  EXPECT_EQ(FindAmdGpuProduct(0x73bf).display_name, "");
  for (const int id : {0x74a1, 0x74a5, 0x74a9, 0x74b5, 0x74b9, 0x74bd, 0x75a3, 0x75b3}) {
    EXPECT_TRUE(hardware::FindGpu(FindAmdGpuProduct(static_cast<uint16_t>(id)).catalog_name).ok())
        << id;
  }
}

}  // namespace
}  // namespace tessera::agent
