#include "hardware/partition_mode.h"

#include "base/strings.h"

namespace tessera::hardware {
int PartitionsPerGpu(ComputePartition mode) {
  switch (mode) {
    case ComputePartition::kSpx:
      return 1;
    case ComputePartition::kDpx:
      return 2;
    case ComputePartition::kQpx:
      return 4;
    case ComputePartition::kCpx:
      return 8;
  }
  return 1;
}

std::string_view ComputePartitionName(ComputePartition mode) {
  switch (mode) {
    case ComputePartition::kSpx:
      return "spx";
    case ComputePartition::kDpx:
      return "dpx";
    case ComputePartition::kQpx:
      return "qpx";
    case ComputePartition::kCpx:
      return "cpx";
  }
  return "spx";
}

std::string_view MemoryPartitionName(MemoryPartition mode) {
  switch (mode) {
    case MemoryPartition::kNps1:
      return "nps1";
    case MemoryPartition::kNps2:
      return "nps2";
    case MemoryPartition::kNps4:
      return "nps4";
  }
  return "nps1";
}

StatusOr<ComputePartition> ParseComputePartition(std::string_view text) {
  const std::string name = AsciiLower(text);
  for (ComputePartition mode : {ComputePartition::kSpx, ComputePartition::kDpx,
                                ComputePartition::kQpx, ComputePartition::kCpx}) {
    if (name == ComputePartitionName(mode)) return mode;
  }
  return InvalidArgumentError("unknown compute partition mode \"" + std::string(text) +
                              "\"; expected spx, dpx, qpx or cpx");
}

StatusOr<MemoryPartition> ParseMemoryPartition(std::string_view text) {
  const std::string name = AsciiLower(text);
  for (MemoryPartition mode :
       {MemoryPartition::kNps1, MemoryPartition::kNps2, MemoryPartition::kNps4}) {
    if (name == MemoryPartitionName(mode)) return mode;
  }
  return InvalidArgumentError("unknown memory partition mode \"" + std::string(text) +
                              "\"; expected nps1, nps2 or nps4");
}

std::string PartitionModeName(PartitionMode mode) {
  return std::string(ComputePartitionName(mode.compute)) + "/" +
         std::string(MemoryPartitionName(mode.memory));
}

}  // namespace tessera::hardware
