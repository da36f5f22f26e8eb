// How vLLM divides a model's decoder layers among pipeline-parallel stages,
// which decides what each stage's partitions hold.

#ifndef TESSERA_ENGINE_MODEL_PIPELINE_STAGES_H_
#define TESSERA_ENGINE_MODEL_PIPELINE_STAGES_H_

#include <cstdint>
#include <vector>

#include "base/status.h"
#include "engine/model/model_architecture.h"

namespace tessera::model {

struct PipelineStage {
  int64_t first_layer = 0;
  int64_t end_layer = 0;           // one past the stage's last decoder layer
  bool holds_embedding = false;    // the first stage embeds the tokens
  bool holds_output_head = false;  // the last stage holds the final norm and the output head

  int64_t layers() const { return end_layer - first_layer; }
};

// The stages of `pipeline_parallel_size`, first to last, as vLLM's
// get_pp_indices splits the layers: num_layers ÷ stages each, and the
// remainder one apiece to the stages before the last, from the second-to-last
// backwards (the last stage already carries the output head): 80 layers over
// 3 stages are 27, 27, 26. Precondition: 1 ≤
// pipeline_parallel_size ≤ num_layers (CheckPipelineParallelSize).
std::vector<PipelineStage> PipelineStages(const ModelArchitecture& architecture,
                                          int64_t pipeline_parallel_size);

// OK when every stage gets at least one layer.
Status CheckPipelineParallelSize(const ModelArchitecture& architecture,
                                 int64_t pipeline_parallel_size);

// Bytes of the weights one stage holds (WeightBytesOfLayers of its layers).
int64_t StageWeightBytes(const ModelArchitecture& architecture, hardware::DataType weight_type,
                         const PipelineStage& stage);

}  // namespace tessera::model

#endif  // TESSERA_ENGINE_MODEL_PIPELINE_STAGES_H_
