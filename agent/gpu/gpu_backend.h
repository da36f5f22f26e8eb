// The seam between the agent and the machine's GPUs.

#ifndef TESSERA_AGENT_GPU_GPU_BACKEND_H_
#define TESSERA_AGENT_GPU_GPU_BACKEND_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "agent/gpu/gpu_inventory.h"
#include "base/status.h"

namespace tessera::agent {

// What the supervisor knows a partition's workers are doing. Real hardware
// reports its own usage and ignores this; the simulated backend has no other
// source.
struct PartitionWorkload {
  int partition = 0;                // GpuPartition::index
  int64_t reserved_vram_bytes = 0;  // what the engine allocates at start-up
  // Requests running and queued in the engine, as it last reported them; 0
  // when unknown.
  double in_flight_requests = 0;
};

class GpuBackend {
 public:
  virtual ~GpuBackend() = default;

  // "rocm-smi" or "sim".
  virtual std::string_view name() const = 0;

  // A fresh reading of every GPU and partition. Called from the agent's event
  // loop, so it must not block for long (a few milliseconds at most).
  virtual StatusOr<NodeInventory> Read() = 0;

  virtual void ObserveWorkloads(std::span<const PartitionWorkload> workloads) = 0;
};

// The rocm-smi backend (rocm_smi_gpu_backend.h) for this machine's AMD GPUs;
// FailedPrecondition when this agent was built without librocm_smi64
// (TESSERA_ROCM=OFF, or AUTO where it was not installed).
StatusOr<std::unique_ptr<GpuBackend>> CreateRocmSmiGpuBackend(std::string hostname);

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_GPU_GPU_BACKEND_H_
