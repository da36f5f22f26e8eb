#include "controller/placement/worker_requirements.h"

#include "engine/fit/memory_fit.h"
#include "engine/model/resolve_model.h"
#include "hardware/data_type.h"

namespace tessera::controller {
namespace {

constexpr int64_t kDefaultVocabulary = 128'256;

StatusOr<model::ModelArchitecture> FromManifest(const resources::ArchitectureSpec& spec,
                                                const resources::ModelDeploymentSpec& deployment) {
  model::ModelArchitecture architecture;
  architecture.name = deployment.model.source;
  architecture.num_layers = spec.layers;
  architecture.hidden_size = spec.hidden_size;
  architecture.num_attention_heads = spec.attention_heads;
  architecture.num_key_value_heads = spec.kv_heads;
  architecture.head_dim = spec.head_dim.value_or(spec.hidden_size / spec.attention_heads);
  // Llama's ratio, the most common among dense models of this shape.
  architecture.intermediate_size = spec.intermediate_size.value_or(spec.hidden_size * 7 / 2);
  architecture.vocab_size = spec.vocab_size.value_or(kDefaultVocabulary);
  if (spec.max_context_length) {
    architecture.max_position_embeddings = *spec.max_context_length;
  } else if (deployment.engine.max_model_len) {
    architecture.max_position_embeddings = *deployment.engine.max_model_len;
  } else {
    return InvalidArgumentError(
        "spec.model.architecture.maxContextLength: is required when spec.engine.maxModelLen is "
        "not set");
  }
  StatusOr<hardware::DataType> weight_type = hardware::ParseDataType(spec.dtype);
  if (!weight_type.ok()) return weight_type.status().WithContext("spec.model.architecture.dtype");
  architecture.weight_type = *weight_type;
  architecture.checkpoint_bytes = spec.parameters * hardware::BytesPerElement(*weight_type);
  if (Status valid = architecture.Validate(); !valid.ok()) {
    return valid.WithContext("spec.model.architecture");
  }
  return architecture;
}

StatusOr<fit::FitRequest> FitRequestFor(const model::ModelArchitecture& model,
                                        const resources::ModelDeploymentSpec& spec) {
  fit::FitRequest request;
  request.model = model;
  request.weight_type = model.weight_type;
  StatusOr<hardware::DataType> kv_type = hardware::ParseKvCacheDataType(
      spec.engine.kv_cache_dtype.value_or("auto"), model.weight_type);
  if (!kv_type.ok()) return kv_type.status().WithContext("spec.engine.kvCacheDtype");
  request.kv_cache_type = *kv_type;
  request.max_model_len = spec.engine.max_model_len.value_or(model.max_position_embeddings);
  if (request.max_model_len > model.max_position_embeddings) {
    return InvalidArgumentError(
        "spec.engine.maxModelLen: " + std::to_string(request.max_model_len) +
        " exceeds the model's context of " + std::to_string(model.max_position_embeddings) +
        " tokens");
  }
  request.concurrency = spec.engine.concurrency;
  request.gpu_memory_utilization =
      spec.engine.gpu_memory_utilization.value_or(fit::kDefaultGpuMemoryUtilization);
  return request;
}

}  // namespace

StatusOr<model::ModelArchitecture> ResolveDeploymentModel(
    const resources::ModelDeploymentSpec& spec) {
  if (spec.model.architecture) return FromManifest(*spec.model.architecture, spec);
  StatusOr<model::ModelArchitecture> resolved = model::ResolveModel(spec.model.source);
  if (!resolved.ok()) {
    return Status(resolved.status().code(), "spec.model.source: " + resolved.status().message() +
                                                "; describe it in spec.model.architecture");
  }
  return resolved;
}

StatusOr<WorkerRequirement> RequirementFor(const model::ModelArchitecture& model,
                                           const resources::ModelDeploymentSpec& spec,
                                           wire::WorkerRole role) {
  TESSERA_ASSIGN_OR_RETURN(fit::FitRequest request, FitRequestFor(model, spec));
  const int size = spec.Role(role).tensor_parallel_size;
  if (Status valid = model::CheckTensorParallelSize(model, size); !valid.ok()) {
    return valid.WithContext("spec." + std::string(resources::RoleKey(role)) +
                             ".tensorParallelSize");
  }
  return WorkerRequirement{.tensor_parallel_size = size,
                           .max_model_len = request.max_model_len,
                           .min_partition_vram_bytes = fit::RequiredPartitionBytes(request, size)};
}

std::optional<int> SmallestFittingTensorParallelSize(const model::ModelArchitecture& model,
                                                     const resources::ModelDeploymentSpec& spec,
                                                     int64_t partition_vram_bytes, int max_size) {
  StatusOr<fit::FitRequest> request = FitRequestFor(model, spec);
  if (!request.ok()) return std::nullopt;
  for (int size = 1; size <= max_size; size *= 2) {
    if (!model::CheckTensorParallelSize(model, size).ok()) continue;
    if (fit::RequiredPartitionBytes(*request, size) <= partition_vram_bytes) return size;
  }
  return std::nullopt;
}

}  // namespace tessera::controller
