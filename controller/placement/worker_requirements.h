// What one worker of a deployment role needs from the partitions it runs
// on, from the memory arithmetic in engine/fit: the same numbers vLLM
// computes at start-up, so a worker is only placed where it will start.

#ifndef TESSERA_CONTROLLER_PLACEMENT_WORKER_REQUIREMENTS_H_
#define TESSERA_CONTROLLER_PLACEMENT_WORKER_REQUIREMENTS_H_

#include <cstdint>
#include <optional>

#include "base/status.h"
#include "engine/model/model_architecture.h"
#include "resources/model_deployment.h"

namespace tessera::controller {

// The deployment's model: the manifest's architecture when it gives one,
// else Tessera's catalog entry for `spec.model.source` (a catalog name or
// a Hugging Face id). NotFound or InvalidArgument name the field.
StatusOr<model::ModelArchitecture> ResolveDeploymentModel(
    const resources::ModelDeploymentSpec& spec);

struct WorkerRequirement {
  // tensorParallelSize × pipelineParallelSize, all on one node.
  int partitions = 1;
  int64_t max_model_len = 0;
  // Every partition of the worker's group must have at least this much VRAM.
  int64_t min_partition_vram_bytes = 0;
};

// InvalidArgument naming the spec field when the engine settings do not
// suit the model (maxModelLen beyond its context, a tensor-parallel size
// that does not divide its heads, more pipeline stages than layers).
StatusOr<WorkerRequirement> RequirementFor(const model::ModelArchitecture& model,
                                           const resources::ModelDeploymentSpec& spec,
                                           wire::WorkerRole role);

// The smallest tensor-parallel size, up to `max_size`, at which each
// partition needs no more than `partition_vram_bytes`; nullopt when none.
std::optional<int> SmallestFittingTensorParallelSize(const model::ModelArchitecture& model,
                                                     const resources::ModelDeploymentSpec& spec,
                                                     int64_t partition_vram_bytes, int max_size);

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_PLACEMENT_WORKER_REQUIREMENTS_H_
