// What a node's GPUs are and how busy they are: the agent's inventory,
// reported on GET /v1/node and exported as GPU metrics.

#ifndef TESSERA_AGENT_GPU_GPU_INVENTORY_H_
#define TESSERA_AGENT_GPU_GPU_INVENTORY_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hardware/partition_mode.h"
#include "wire/node_inventory.h"

namespace tessera::agent {

// One logical GPU as the ROCm runtime enumerates it: a whole GPU in SPX
// mode, one of its 2, 4 or 8 parts in DPX, QPX or CPX mode.
struct GpuPartition {
  // Node-wide device index: the value that goes into HIP_VISIBLE_DEVICES,
  // and the number worker specs name partitions by.
  int index = 0;
  int gpu_index = 0;     // the physical GPU it is part of
  int index_in_gpu = 0;  // 0 .. partitions_per_gpu - 1
  int64_t vram_total_bytes = 0;
  int64_t vram_used_bytes = 0;
  int compute_units = 0;
  double busy_percent = 0;  // 0..100
};

// One physical GPU.
struct GpuDevice {
  int index = 0;
  std::string product{};       // catalog name, e.g. "mi300x"; empty when unknown
  std::string display_name{};  // "AMD Instinct MI300X"
  std::string pci_bus_id{};    // "0000:03:00.0"
  std::string unique_id{};     // serial-like id from the driver; empty when not reported
  std::string vbios_version{};
  int numa_node = -1;
  hardware::PartitionMode partition_mode;
  std::vector<hardware::ComputePartition> available_compute_modes{};
  std::vector<hardware::MemoryPartition> available_memory_modes{};
  int64_t vram_total_bytes = 0;
  int64_t vram_used_bytes = 0;
  int compute_units = 0;
  double busy_percent = 0;

  // Readings a backend may not have; absent rather than zero.
  std::optional<double> junction_temperature_celsius{};
  std::optional<double> edge_temperature_celsius{};
  std::optional<double> memory_temperature_celsius{};
  std::optional<double> power_watts{};
  std::optional<double> power_cap_watts{};
  std::optional<double> gfx_clock_mhz{};
  std::optional<double> memory_clock_mhz{};
  std::optional<int64_t> ecc_correctable_errors{};
  std::optional<int64_t> ecc_uncorrectable_errors{};
  std::optional<int> pcie_width{};
  std::optional<double> pcie_speed_gts{};

  std::vector<GpuPartition> partitions{};
};

struct NodeInventory {
  std::string hostname{};
  std::string backend{};  // "rocm-smi" or "sim"
  std::vector<GpuDevice> gpus{};

  // Partitions of every GPU in device-index order.
  std::vector<const GpuPartition*> Partitions() const;
  const GpuPartition* FindPartition(int index) const;
  const GpuDevice* GpuOf(const GpuPartition& partition) const;
};

// The inventory as the agent's API reports it, with the worker holding each
// partition. Live readings (memory in use, busy figures, temperature, power)
// only when `live_readings`: a GPUNode's status leaves them out, since they
// would change it on every heartbeat.
wire::NodeInventory ToWireInventory(const NodeInventory& inventory,
                                    const std::map<int, std::string>& holders, bool live_readings);

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_GPU_GPU_INVENTORY_H_
