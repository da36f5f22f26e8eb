// A GPU backend for machines without GPUs: the node described by a
// SimTopology, whose used VRAM follows the workers the supervisor reports,
// whose busy % follows their engines' in-flight requests (25% a request, a
// partition saturated at four), and whose temperatures, power and clocks
// follow busy %.

#ifndef TESSERA_AGENT_GPU_SIM_GPU_BACKEND_H_
#define TESSERA_AGENT_GPU_SIM_GPU_BACKEND_H_

#include <map>

#include "agent/gpu/gpu_backend.h"
#include "agent/gpu/sim_topology.h"

namespace tessera::agent {

class SimGpuBackend final : public GpuBackend {
 public:
  explicit SimGpuBackend(const SimTopology& topology);

  std::string_view name() const override { return "sim"; }
  StatusOr<NodeInventory> Read() override;
  void ObserveWorkloads(std::span<const PartitionWorkload> workloads) override;

 private:
  NodeInventory idle_;
  std::map<int, PartitionWorkload> workloads_;
};

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_GPU_SIM_GPU_BACKEND_H_
