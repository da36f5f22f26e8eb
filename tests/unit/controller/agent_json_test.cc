// What the agent writes is what the controller reads: the agent's own
// conversions (agent/gpu, agent/supervisor) feed the controller's reading of
// GET /v1/node and GET /v1/workers, with no HTTP in between.

#include "controller/agents/agent_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/gpu/gpu_inventory.h"
#include "agent/supervisor/worker_status.h"
#include "wire/worker_status.h"

namespace tessera::controller {
namespace {

using ::testing::HasSubstr;

agent::NodeInventory AgentInventory() {
  agent::NodeInventory inventory{.hostname = "node-1", .backend = "sim"};
  agent::GpuDevice gpu{.index = 0,
                       .product = "mi300x",
                       .partition_mode = {.compute = hardware::ComputePartition::kCpx,
                                          .memory = hardware::MemoryPartition::kNps4}};
  for (int p = 0; p < 8; ++p) {
    gpu.partitions.push_back({.index = p,
                              .gpu_index = 0,
                              .index_in_gpu = p,
                              .vram_total_bytes = int64_t{24} << 30,
                              .compute_units = 38,
                              .busy_percent = 50});
  }
  inventory.gpus.push_back(std::move(gpu));
  return inventory;
}

agent::WorkerStatus AgentWorker() {
  agent::WorkerStatus worker;
  worker.id = "serving.llama.worker-1a2b3c4d-0";
  worker.spec = {.deployment = "llama",
                 .namespace_name = "serving",
                 .partitions = {2, 3},
                 .engine = "vllm",
                 .settings = {.model = "/models/llama", .tensor_parallel_size = 2},
                 .managed_by = "tessera-controller"};
  worker.state = wire::WorkerState::kReady;
  worker.url = "http://node-1:30001";
  worker.in_flight = 3;
  worker.restarts = 1;
  worker.log_path = "/var/lib/tessera/logs/w.log";
  worker.held_partitions = {2, 3};
  return worker;
}

TEST(AgentJsonTest, TheControllerReadsWhatTheAgentWrites) {
  const std::vector<agent::WorkerStatus> workers = {AgentWorker()};
  wire::NodeInventory node = agent::ToWireInventory(
      AgentInventory(), agent::PartitionHolders(workers), /*live_readings=*/true);
  node.labels = {{"rack", "r7"}};
  StatusOr<AgentObservation> observed = ReadObservation(
      wire::NodeInventoryToJson(node), wire::WorkerListToJson({workers.begin(), workers.end()}));
  ASSERT_TRUE(observed.ok()) << observed.status();

  EXPECT_EQ(observed->hostname, "node-1");
  EXPECT_EQ(observed->labels.at("rack"), "r7");
  ASSERT_EQ(observed->gpus.size(), 1U);
  EXPECT_EQ(observed->gpus[0].product, "mi300x");
  EXPECT_EQ(observed->gpus[0].mode.compute, hardware::ComputePartition::kCpx);
  ASSERT_EQ(observed->partitions.size(), 8U);
  EXPECT_EQ(observed->partitions[2].holder, "serving.llama.worker-1a2b3c4d-0");
  EXPECT_EQ(observed->partitions[3].holder, "serving.llama.worker-1a2b3c4d-0");
  EXPECT_EQ(observed->partitions[4].holder, "");
  EXPECT_EQ(observed->partitions[5].vram_bytes, int64_t{24} << 30);
  EXPECT_EQ(observed->partitions[5].index_in_gpu, 5);
  EXPECT_EQ(observed->partitions[5].compute_units, 38);

  ASSERT_EQ(observed->workers.size(), 1U);
  const ObservedWorker& worker = observed->workers[0];
  EXPECT_EQ(worker.id, workers[0].id);
  EXPECT_EQ(worker.spec, workers[0].spec);
  EXPECT_TRUE(worker.Ready());
  EXPECT_EQ(worker.url, "http://node-1:30001");
  EXPECT_EQ(worker.in_flight, 3);
  EXPECT_EQ(worker.restarts, 1);
}

TEST(AgentJsonTest, AMismatchNamesTheDocumentAndTheField) {
  nlohmann::json node = wire::NodeInventoryToJson(
      agent::ToWireInventory(AgentInventory(), {}, /*live_readings=*/false));
  node["gpus"][0]["partitions"][3]["vramTotalBytes"] = "24Gi";
  StatusOr<AgentObservation> observed = ReadObservation(node, wire::WorkerListToJson({}));
  ASSERT_FALSE(observed.ok());
  EXPECT_THAT(observed.status().message(),
              HasSubstr("/v1/node: node.gpus[0].partitions[3].vramTotalBytes: must be an integer"));

  node = wire::NodeInventoryToJson(agent::ToWireInventory(AgentInventory(), {}, false));
  observed = ReadObservation(node, nlohmann::json{{"workers", {{{"id", "w"}}}}});
  ASSERT_FALSE(observed.ok());
  EXPECT_THAT(observed.status().message(), HasSubstr("/v1/workers: worker \"w\".state"));
}

}  // namespace
}  // namespace tessera::controller
