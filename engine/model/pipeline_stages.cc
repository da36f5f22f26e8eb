#include "engine/model/pipeline_stages.h"

#include <string>

namespace tessera::model {

std::vector<PipelineStage> PipelineStages(const ModelArchitecture& architecture,
                                          int64_t pipeline_parallel_size) {
  const int64_t stages = pipeline_parallel_size;
  std::vector<int64_t> layers(static_cast<size_t>(stages), architecture.num_layers / stages);
  const int64_t remainder = architecture.num_layers % stages;
  // vLLM hands the remainder to partitions[-2], partitions[-3], ...
  for (int64_t i = 2; i < remainder + 2; ++i) ++layers[static_cast<size_t>(stages - i)];

  std::vector<PipelineStage> result;
  int64_t first = 0;
  for (int64_t stage = 0; stage < stages; ++stage) {
    const int64_t count = layers[static_cast<size_t>(stage)];
    result.push_back(PipelineStage{.first_layer = first,
                                   .end_layer = first + count,
                                   .holds_embedding = stage == 0,
                                   .holds_output_head = stage == stages - 1});
    first += count;
  }
  return result;
}

Status CheckPipelineParallelSize(const ModelArchitecture& architecture,
                                 int64_t pipeline_parallel_size) {
  if (pipeline_parallel_size < 1) {
    return InvalidArgumentError("must be at least 1, got " +
                                std::to_string(pipeline_parallel_size));
  }
  if (pipeline_parallel_size > architecture.num_layers) {
    return InvalidArgumentError(std::to_string(pipeline_parallel_size) + " stages exceed " +
                                architecture.name + "'s " +
                                std::to_string(architecture.num_layers) + " layers");
  }
  return OkStatus();
}

int64_t StageWeightBytes(const ModelArchitecture& architecture, hardware::DataType weight_type,
                         const PipelineStage& stage) {
  return WeightBytesOfLayers(architecture, weight_type, stage.first_layer, stage.end_layer,
                             stage.holds_embedding, stage.holds_output_head);
}

}  // namespace tessera::model
