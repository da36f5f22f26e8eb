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

}  // namespace tessera::agent
