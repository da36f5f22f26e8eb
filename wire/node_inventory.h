// A node's GPUs and partitions as its agent reports them: the body of
// GET /v1/node, and (without the live readings) the status of the node's
// GPUNode resource.
//
//   {"hostname": "node-1", "gpuBackend": "rocm-smi", "labels": {...},
//    "partitions": {"total": 8, "free": 7},
//    "gpus": [{"index": 0, "product": "mi300x", "name": "AMD Instinct MI300X",
//              "pciBusId": "0000:03:00.0", "computePartition": "cpx",
//              "memoryPartition": "nps4", "vramTotalBytes": 206158430208,
//              "computeUnits": 304, "busyPercent": 12.5,
//              "partitions": [{"index": 0, "indexInGpu": 0,
//                              "vramTotalBytes": 25769803776, "computeUnits": 38,
//                              "worker": "serving.llama-8b.worker-1a2b3c4d-0"}, ...]}]}
//
// The agent's routes and its GPUNode publisher write it, the controller
// reads it; all through the functions below.

#ifndef TESSERA_WIRE_NODE_INVENTORY_H_
#define TESSERA_WIRE_NODE_INVENTORY_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "hardware/partition_mode.h"

namespace tessera::wire {

struct PartitionInventory {
  int index = 0;         // node-wide, as worker specs name partitions
  int index_in_gpu = 0;  // 0 .. partitions per GPU - 1
  int64_t vram_total_bytes = 0;
  int compute_units = 0;
  std::string worker{};  // the worker holding it; empty when free
  // Live readings, absent where they would only churn (a GPUNode's status).
  std::optional<int64_t> vram_used_bytes{};
  std::optional<double> busy_percent{};

  friend bool operator==(const PartitionInventory&, const PartitionInventory&) = default;
};

struct GpuInventory {
  int index = 0;
  std::string product{};       // catalog name, e.g. "mi300x"; empty when unknown
  std::string display_name{};  // "AMD Instinct MI300X"
  std::string pci_bus_id{};    // "0000:03:00.0"
  std::string unique_id{};     // empty when the driver does not report one
  int numa_node = -1;          // -1 when the platform does not say
  hardware::PartitionMode mode{};
  int64_t vram_total_bytes = 0;
  int compute_units = 0;
  std::optional<int64_t> vram_used_bytes{};
  std::optional<double> busy_percent{};
  std::optional<double> junction_temperature_celsius{};
  std::optional<double> power_watts{};
  std::vector<PartitionInventory> partitions{};

  friend bool operator==(const GpuInventory&, const GpuInventory&) = default;
};

struct NodeInventory {
  std::string hostname{};
  std::string gpu_backend{};  // "rocm-smi" or "sim"
  std::map<std::string, std::string> labels{};
  std::vector<GpuInventory> gpus{};

  int TotalPartitions() const;
  int FreePartitions() const;

  friend bool operator==(const NodeInventory&, const NodeInventory&) = default;
};

nlohmann::json NodeInventoryToJson(const NodeInventory& inventory);

// Errors name the field ("node.gpus[0].partitions[3].vramTotalBytes: is
// required"); fields this version does not know are ignored.
StatusOr<NodeInventory> NodeInventoryFromJson(const nlohmann::json& body);

}  // namespace tessera::wire

#endif  // TESSERA_WIRE_NODE_INVENTORY_H_
