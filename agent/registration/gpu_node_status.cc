#include "agent/registration/gpu_node_status.h"

#include "base/time_format.h"
#include "wire/node_inventory.h"

namespace tessera::agent {

nlohmann::json GpuNodeStatusJson(const NodeInventory& inventory,
                                 const std::vector<WorkerStatus>& workers,
                                 std::chrono::system_clock::time_point now,
                                 std::chrono::system_clock::time_point ready_since) {
  nlohmann::json status = wire::NodeInventoryToJson(
      ToWireInventory(inventory, PartitionHolders(workers), /*live_readings=*/false));
  // The node's labels are the GPUNode's own metadata, not its status.
  status.erase("labels");
  // A free partition has no worker field, rather than a null one: a null
  // reads as "delete" to anyone merge-patching the status.
  for (nlohmann::json& gpu : status["gpus"]) {
    for (nlohmann::json& partition : gpu["partitions"]) {
      if (partition["worker"].is_null()) partition.erase("worker");
    }
  }
  status["heartbeatTime"] = FormatRfc3339(now);
  status["conditions"] = {{{"type", "Ready"},
                           {"status", "True"},
                           {"reason", "AgentHeartbeat"},
                           {"message", "the agent is running and publishing its inventory"},
                           {"lastTransitionTime", FormatRfc3339(ready_since)}}};
  return status;
}

}  // namespace tessera::agent
