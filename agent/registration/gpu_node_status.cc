#include "agent/registration/gpu_node_status.h"

#include <map>

#include "base/time_format.h"
#include "engine/hardware/partition_mode.h"

namespace tessera::agent {

nlohmann::json GpuNodeStatusJson(const NodeInventory& inventory,
                                 const std::vector<WorkerStatus>& workers,
                                 std::chrono::system_clock::time_point now,
                                 std::chrono::system_clock::time_point ready_since) {
  std::map<int, std::string> holders;
  for (const WorkerStatus& worker : workers) {
    for (int partition : worker.held_partitions) holders[partition] = worker.id;
  }
  int total = 0;
  nlohmann::json gpus = nlohmann::json::array();
  for (const GpuDevice& gpu : inventory.gpus) {
    nlohmann::json partitions = nlohmann::json::array();
    for (const GpuPartition& partition : gpu.partitions) {
      ++total;
      nlohmann::json entry = {{"index", partition.index},
                              {"vramBytes", partition.vram_total_bytes},
                              {"computeUnits", partition.compute_units}};
      // A free partition has no worker field: a null would read as "delete"
      // to anyone merge-patching the status.
      if (const auto holder = holders.find(partition.index); holder != holders.end()) {
        entry["worker"] = holder->second;
      }
      partitions.push_back(std::move(entry));
    }
    gpus.push_back(
        {{"index", gpu.index},
         {"product", gpu.product},
         {"pciBusId", gpu.pci_bus_id},
         {"computePartition", hardware::ComputePartitionName(gpu.partition_mode.compute)},
         {"memoryPartition", hardware::MemoryPartitionName(gpu.partition_mode.memory)},
         {"partitions", std::move(partitions)}});
  }
  const int held = static_cast<int>(holders.size());
  return {{"hostname", inventory.hostname},
          {"gpuBackend", inventory.backend},
          {"heartbeatTime", FormatRfc3339(now)},
          {"partitions", {{"total", total}, {"free", std::max(0, total - held)}}},
          {"gpus", std::move(gpus)},
          {"conditions",
           {{{"type", "Ready"},
             {"status", "True"},
             {"reason", "AgentHeartbeat"},
             {"message", "the agent is running and publishing its inventory"},
             {"lastTransitionTime", FormatRfc3339(ready_since)}}}}};
}

}  // namespace tessera::agent
