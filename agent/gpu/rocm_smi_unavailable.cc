// The rocm-smi backend's factory in an agent built without librocm_smi64.

#include "agent/gpu/gpu_backend.h"

namespace tessera::agent {

StatusOr<std::unique_ptr<GpuBackend>> CreateRocmSmiGpuBackend(std::string /*hostname*/) {
  return FailedPreconditionError(
      "this agent was built without librocm_smi64 (TESSERA_ROCM=OFF, or AUTO without "
      "librocm-smi-dev installed): rebuild with -DTESSERA_ROCM=ON, or use --gpu-backend sim");
}

}  // namespace tessera::agent
