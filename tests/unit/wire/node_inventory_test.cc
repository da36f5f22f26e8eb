#include "wire/node_inventory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::wire {
namespace {

using ::testing::HasSubstr;

NodeInventory TwoGpus() {
  NodeInventory inventory{.hostname = "node-1", .gpu_backend = "sim", .labels = {{"rack", "r7"}}};
  for (int g = 0; g < 2; ++g) {
    GpuInventory gpu{.index = g,
                     .product = "mi300x",
                     .display_name = "AMD Instinct MI300X",
                     .pci_bus_id = "0000:0" + std::to_string(g) + ":00.0",
                     .unique_id = "0x" + std::to_string(g),
                     .numa_node = g,
                     .mode = {.compute = hardware::ComputePartition::kCpx,
                              .memory = hardware::MemoryPartition::kNps4},
                     .vram_total_bytes = int64_t{192} << 30,
                     .compute_units = 304,
                     .vram_used_bytes = int64_t{1} << 30,
                     .busy_percent = 12.5,
                     .junction_temperature_celsius = 41.0,
                     .power_watts = 350.0};
    for (int p = 0; p < 8; ++p) {
      gpu.partitions.push_back({.index = g * 8 + p,
                                .index_in_gpu = p,
                                .vram_total_bytes = int64_t{24} << 30,
                                .compute_units = 38,
                                .worker = p == 0 ? "w-" + std::to_string(g) : "",
                                .vram_used_bytes = 0,
                                .busy_percent = 0.0});
    }
    inventory.gpus.push_back(std::move(gpu));
  }
  return inventory;
}

TEST(NodeInventoryTest, EveryFieldRoundTrips) {
  const NodeInventory inventory = TwoGpus();
  StatusOr<NodeInventory> read = NodeInventoryFromJson(NodeInventoryToJson(inventory));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, inventory);
}

TEST(NodeInventoryTest, CountsAndFreePartitionsAreWritten) {
  const nlohmann::json json = NodeInventoryToJson(TwoGpus());
  EXPECT_EQ(json.at("partitions").at("total"), 16);
  EXPECT_EQ(json.at("partitions").at("free"), 14);
  EXPECT_TRUE(json.at("gpus").at(0).at("partitions").at(1).at("worker").is_null());
  EXPECT_EQ(json.at("gpus").at(1).at("partitions").at(0).at("worker"), "w-1");
  EXPECT_EQ(json.at("gpus").at(0).at("computePartition"), "cpx");
}

TEST(NodeInventoryTest, LiveReadingsAreLeftOutWhenAbsent) {
  NodeInventory inventory = TwoGpus();
  GpuInventory& gpu = inventory.gpus.front();
  gpu.vram_used_bytes.reset();
  gpu.busy_percent.reset();
  gpu.partitions.front().busy_percent.reset();
  const nlohmann::json json = NodeInventoryToJson(inventory);
  EXPECT_FALSE(json.at("gpus").at(0).contains("busyPercent"));
  EXPECT_FALSE(json.at("gpus").at(0).at("partitions").at(0).contains("busyPercent"));
  StatusOr<NodeInventory> read = NodeInventoryFromJson(json);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, inventory);
}

TEST(NodeInventoryTest, ErrorsNameTheFieldPath) {
  nlohmann::json json = NodeInventoryToJson(TwoGpus());
  json["gpus"][1]["partitions"][3].erase("vramTotalBytes");
  StatusOr<NodeInventory> read = NodeInventoryFromJson(json);
  ASSERT_FALSE(read.ok());
  EXPECT_THAT(read.status().message(),
              HasSubstr("node.gpus[1].partitions[3].vramTotalBytes: is required"));

  json = NodeInventoryToJson(TwoGpus());
  json["gpus"][0]["memoryPartition"] = "nps3";
  read = NodeInventoryFromJson(json);
  ASSERT_FALSE(read.ok());
  EXPECT_THAT(read.status().message(), HasSubstr("node.gpus[0].memoryPartition"));

  json = NodeInventoryToJson(TwoGpus());
  json.erase("gpus");
  read = NodeInventoryFromJson(json);
  ASSERT_FALSE(read.ok());
  EXPECT_THAT(read.status().message(), HasSubstr("node.gpus: is required"));
}

TEST(NodeInventoryTest, FieldsANewerAgentAddsAreIgnored) {
  nlohmann::json json = NodeInventoryToJson(TwoGpus());
  json["gpus"][0]["xgmiLinks"] = 7;
  json["uptimeSeconds"] = 12;
  EXPECT_TRUE(NodeInventoryFromJson(json).ok());
}

}  // namespace
}  // namespace tessera::wire
