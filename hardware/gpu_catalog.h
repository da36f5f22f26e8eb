// Partitionable GPUs and what one partition of each offers. The figures are
// the vendors' published peak numbers; the engine simulator applies its own
// achieved-efficiency factors on top.

#ifndef TESSERA_HARDWARE_GPU_CATALOG_H_
#define TESSERA_HARDWARE_GPU_CATALOG_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "hardware/data_type.h"
#include "hardware/partition_mode.h"

namespace tessera::hardware {

struct GpuSpec {
  std::string name;          // "mi300x"
  std::string display_name;  // "AMD Instinct MI300X"
  int64_t vram_bytes = 0;
  int compute_units = 0;  // CUs for AMD, SMs for NVIDIA.
  // Dense matrix peak, FLOP/s.
  double peak_flops_16bit = 0;
  double peak_flops_8bit = 0;
  double memory_bandwidth = 0;  // HBM, bytes/s.
  // Peer-to-peer bandwidth one GPU can drive to the others in its node
  // (xGMI / NVLink), bytes/s: what bounds a tensor-parallel all-reduce.
  double interconnect_bandwidth = 0;
  int gpus_per_node = 8;
  // The modes the GPU accepts; the first is its default. GPUs that cannot be
  // partitioned list only spx/nps1.
  std::vector<PartitionMode> modes;
  // Memory mode chosen when only the compute mode is given.
  MemoryPartition preferred_memory_for_cpx = MemoryPartition::kNps1;
};

// One logical GPU as an engine sees it.
struct PartitionProfile {
  const GpuSpec* gpu = nullptr;
  PartitionMode mode;
  int partitions_per_gpu = 1;
  int64_t vram_bytes = 0;
  int compute_units = 0;
  double peak_flops_16bit = 0;
  double peak_flops_8bit = 0;
  double memory_bandwidth = 0;
  double interconnect_bandwidth = 0;

  // Partitions in one node: the widest tensor-parallel group it can host.
  int PartitionsPerNode() const { return partitions_per_gpu * gpu->gpus_per_node; }
  // Peak FLOP/s for matrix math in `type` (8-bit types run at the 8-bit rate).
  double PeakFlops(hardware::DataType type) const;
  // "mi300x cpx/nps4".
  std::string Name() const;
};

std::span<const GpuSpec> CatalogGpus();

// Case-insensitive lookup; NotFound lists the catalog.
StatusOr<const GpuSpec*> FindGpu(std::string_view name);

// The profile of one partition of `gpu` in `compute` mode and `memory` mode.
// An empty `memory` picks the GPU's usual pairing (nps4 for MI300X in cpx,
// nps1 otherwise). Combinations the GPU does not support are an error that
// lists the ones it does.
StatusOr<PartitionProfile> ResolvePartition(std::string_view gpu, std::string_view compute,
                                            std::string_view memory = "");

// Parses "mi300x", "mi300x:cpx" or "mi300x:cpx/nps4" (the simulator's
// --hardware flag).
StatusOr<PartitionProfile> ParseHardware(std::string_view text);

}  // namespace tessera::hardware

#endif  // TESSERA_HARDWARE_GPU_CATALOG_H_
