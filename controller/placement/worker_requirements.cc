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
  // spec.model.dtype fp8 quantizes the weights as they load: a byte each.
  if (spec.model.dtype == "fp8") request.weight_type = hardware::DataType::kFloat8E4M3;
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
  if (spec.engine.max_num_batched_tokens) {
    request.max_num_batched_tokens = *spec.engine.max_num_batched_tokens;
  }
  request.gpu_memory_utilization =
      spec.engine.gpu_memory_utilization.value_or(fit::kDefaultGpuMemoryUtilization);
  return request;
}

// A draft model of the catalog (or the Hugging Face cache) and its KV cache
// take their share of each partition. An EAGLE head, or a draft Tessera
// cannot resolve, is not counted: placement then errs small by its size.
StatusOr<std::optional<fit::DraftModel>> DraftFor(const model::ModelArchitecture& target,
                                                  const wire::SpeculativeDecoding& speculative) {
  if (speculative.method != "draft") return std::optional<fit::DraftModel>();
  StatusOr<model::ModelArchitecture> draft = model::ResolveModel(speculative.draft_model);
  if (!draft.ok()) return std::optional<fit::DraftModel>();
  if (draft->vocab_size != target.vocab_size) {
    return InvalidArgumentError("spec.engine.speculative.draftModel: " + draft->name +
                                "'s vocabulary of " + std::to_string(draft->vocab_size) +
                                " tokens differs from " + target.name + "'s " +
                                std::to_string(target.vocab_size) +
                                "; a draft must propose tokens of the served model's vocabulary");
  }
  return std::optional<fit::DraftModel>(
      fit::DraftModel{.model = *draft,
                      .weight_type = draft->weight_type,
                      .num_speculative_tokens = speculative.num_speculative_tokens,
                      .tensor_parallel_size = speculative.draft_tensor_parallel_size});
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
  const resources::RoleSpec& role_spec = spec.Role(role);
  const std::string path = "spec." + std::string(resources::RoleKey(role));
  if (Status valid = model::CheckTensorParallelSize(model, role_spec.tensor_parallel_size);
      !valid.ok()) {
    return valid.WithContext(path + ".tensorParallelSize");
  }
  if (role_spec.pipeline_parallel_size > model.num_layers) {
    return InvalidArgumentError(
        path + ".pipelineParallelSize: " + std::to_string(role_spec.pipeline_parallel_size) +
        " stages exceed the model's " + std::to_string(model.num_layers) + " layers");
  }
  request.tensor_parallel_size = role_spec.tensor_parallel_size;
  request.pipeline_parallel_size = role_spec.pipeline_parallel_size;
  if (spec.engine.speculative) {
    TESSERA_ASSIGN_OR_RETURN(request.draft, DraftFor(model, *spec.engine.speculative));
  }
  return WorkerRequirement{.partitions = role_spec.Partitions(),
                           .max_model_len = request.max_model_len,
                           .min_partition_vram_bytes = fit::RequiredPartitionBytes(
                               request, role_spec.tensor_parallel_size)};
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
