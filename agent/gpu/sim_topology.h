// The machine the `sim` GPU backend pretends to be.
//
//   hostname: node-a        # optional; default: the machine's host name
//   gpus:
//     - product: mi300x     # a catalog GPU (see docs/fit.md)
//       count: 8
//       compute_partition: cpx
//       memory_partition: nps4
//
// or, on the command line, the shorthand "8xmi300x:cpx/nps4".

#ifndef TESSERA_AGENT_GPU_SIM_TOPOLOGY_H_
#define TESSERA_AGENT_GPU_SIM_TOPOLOGY_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "hardware/gpu_catalog.h"

namespace tessera::agent {

struct SimGpuGroup {
  int count = 1;
  // Resolved from the catalog: VRAM and compute units per partition.
  hardware::PartitionProfile profile;
};

struct SimTopology {
  std::string hostname;
  std::vector<SimGpuGroup> groups{};
};

// Errors name the key path ("gpus[0].compute_partition: ...").
StatusOr<SimTopology> ParseSimTopology(std::string_view yaml);
StatusOr<SimTopology> LoadSimTopology(const std::string& path);
// "8xmi300x:cpx/nps4", "2xmi300x", "mi325x:dpx".
StatusOr<SimTopology> ParseSimTopologyShorthand(std::string_view text);

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_GPU_SIM_TOPOLOGY_H_
