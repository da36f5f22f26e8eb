#include "agent/gpu/gpu_inventory.h"

namespace tessera::agent {

std::vector<const GpuPartition*> NodeInventory::Partitions() const {
  std::vector<const GpuPartition*> partitions;
  for (const GpuDevice& gpu : gpus) {
    for (const GpuPartition& partition : gpu.partitions) partitions.push_back(&partition);
  }
  return partitions;
}

const GpuPartition* NodeInventory::FindPartition(int index) const {
  for (const GpuDevice& gpu : gpus) {
    for (const GpuPartition& partition : gpu.partitions) {
      if (partition.index == index) return &partition;
    }
  }
  return nullptr;
}

const GpuDevice* NodeInventory::GpuOf(const GpuPartition& partition) const {
  for (const GpuDevice& gpu : gpus) {
    if (gpu.index == partition.gpu_index) return &gpu;
  }
  return nullptr;
}

wire::NodeInventory ToWireInventory(const NodeInventory& inventory,
                                    const std::map<int, std::string>& holders, bool live_readings) {
  wire::NodeInventory report{.hostname = inventory.hostname, .gpu_backend = inventory.backend};
  for (const GpuDevice& gpu : inventory.gpus) {
    wire::GpuInventory entry{.index = gpu.index,
                             .product = gpu.product,
                             .display_name = gpu.display_name,
                             .pci_bus_id = gpu.pci_bus_id,
                             .unique_id = gpu.unique_id,
                             .numa_node = gpu.numa_node,
                             .mode = gpu.partition_mode,
                             .vram_total_bytes = gpu.vram_total_bytes,
                             .compute_units = gpu.compute_units};
    if (live_readings) {
      entry.vram_used_bytes = gpu.vram_used_bytes;
      entry.busy_percent = gpu.busy_percent;
      entry.junction_temperature_celsius = gpu.junction_temperature_celsius;
      entry.power_watts = gpu.power_watts;
    }
    for (const GpuPartition& partition : gpu.partitions) {
      const auto holder = holders.find(partition.index);
      wire::PartitionInventory& part = entry.partitions.emplace_back(wire::PartitionInventory{
          .index = partition.index,
          .index_in_gpu = partition.index_in_gpu,
          .vram_total_bytes = partition.vram_total_bytes,
          .compute_units = partition.compute_units,
          .worker = holder == holders.end() ? std::string() : holder->second});
      if (live_readings) {
        part.vram_used_bytes = partition.vram_used_bytes;
        part.busy_percent = partition.busy_percent;
      }
    }
    report.gpus.push_back(std::move(entry));
  }
  return report;
}

}  // namespace tessera::agent
