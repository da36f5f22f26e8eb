// How a partitionable GPU is cut: compute partitions (XCD groups that appear
// as separate GPUs) and memory partitions (NUMA domains over the HBM stacks).

#ifndef TESSERA_HARDWARE_PARTITION_MODE_H_
#define TESSERA_HARDWARE_PARTITION_MODE_H_

#include <string>
#include <string_view>

#include "base/status.h"

namespace tessera::hardware {

enum class ComputePartition { kSpx, kDpx, kQpx, kCpx };
enum class MemoryPartition { kNps1, kNps2, kNps4 };

// Logical GPUs one physical GPU becomes: 1, 2, 4 or 8.
int PartitionsPerGpu(ComputePartition mode);

// "spx", "dpx", "qpx", "cpx" / "nps1", "nps2", "nps4": the lower-case forms
// of what amdgpu's current_compute_partition and current_memory_partition
// sysfs files hold.
std::string_view ComputePartitionName(ComputePartition mode);
std::string_view MemoryPartitionName(MemoryPartition mode);

// Case-insensitive; errors list the valid names.
StatusOr<ComputePartition> ParseComputePartition(std::string_view text);
StatusOr<MemoryPartition> ParseMemoryPartition(std::string_view text);

struct PartitionMode {
  ComputePartition compute = ComputePartition::kSpx;
  MemoryPartition memory = MemoryPartition::kNps1;

  friend bool operator==(const PartitionMode&, const PartitionMode&) = default;
};

// "cpx/nps4".
std::string PartitionModeName(PartitionMode mode);

}  // namespace tessera::hardware

#endif  // TESSERA_HARDWARE_PARTITION_MODE_H_
