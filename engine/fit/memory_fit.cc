#include "engine/fit/memory_fit.h"

#include <algorithm>
#include <cmath>

#include "base/units.h"

namespace tessera::fit {
namespace {

using hardware::DataType;

int64_t CeilDivide(int64_t numerator, int64_t denominator) {
  return (numerator + denominator - 1) / denominator;
}

// Activations stay in the model's 16-bit compute type even when weights or KV
// cache are 8-bit.
DataType ActivationType(DataType weight_type) {
  return weight_type == DataType::kFloat32 ? DataType::kFloat32 : DataType::kBFloat16;
}

// The widest per-token MLP output: gate and up projections plus the
// activation's output.
int64_t MlpWidth(const model::ModelArchitecture& model) {
  int64_t width = 3 * model.intermediate_size;
  if (model.experts) {
    const model::MixtureOfExperts& moe = *model.experts;
    width = std::max(
        width, 3 * (moe.experts_per_token + moe.shared_experts) * moe.expert_intermediate_size);
  }
  return width;
}

}  // namespace

Status FitRequest::Validate() const {
  TESSERA_RETURN_IF_ERROR(model.Validate().WithContext(model.name));
  if (partition.gpu == nullptr || partition.vram_bytes <= 0) {
    return InvalidArgumentError("partition: no GPU partition given");
  }
  if (max_model_len <= 0) {
    return InvalidArgumentError("max_model_len: must be positive, got " +
                                std::to_string(max_model_len));
  }
  if (max_model_len > model.max_position_embeddings) {
    return InvalidArgumentError("max_model_len: " + std::to_string(max_model_len) + " exceeds " +
                                model.name + "'s limit of " +
                                std::to_string(model.max_position_embeddings) + " tokens");
  }
  if (concurrency <= 0) {
    return InvalidArgumentError("concurrency: must be positive, got " +
                                std::to_string(concurrency));
  }
  // Negated so that NaN, which fails every comparison, is rejected too.
  // NOLINTNEXTLINE(readability-simplify-boolean-expr)
  if (!(gpu_memory_utilization > 0.0 && gpu_memory_utilization <= 1.0)) {
    return InvalidArgumentError("gpu_memory_utilization: must be in (0, 1], got " +
                                std::to_string(gpu_memory_utilization));
  }
  if (max_num_batched_tokens <= 0) {
    return InvalidArgumentError("max_num_batched_tokens: must be positive, got " +
                                std::to_string(max_num_batched_tokens));
  }
  if (runtime_reserve_bytes < 0) {
    return InvalidArgumentError("runtime_reserve: must not be negative");
  }
  if (Status tp = model::CheckTensorParallelSize(model, tensor_parallel_size); !tp.ok()) {
    return tp.WithContext("tensor_parallel_size");
  }
  if (tensor_parallel_size > partition.PartitionsPerNode()) {
    return InvalidArgumentError("tensor_parallel_size: " + std::to_string(tensor_parallel_size) +
                                " exceeds the " + std::to_string(partition.PartitionsPerNode()) +
                                " partitions of one " + partition.Name() + " node");
  }
  return OkStatus();
}

int64_t ActivationBytes(const model::ModelArchitecture& model, DataType activation_type,
                        int64_t tensor_parallel_size, int64_t tokens, int64_t sequences) {
  const int64_t element = hardware::BytesPerElement(activation_type);
  const int64_t residual = 2 * tokens * model.hidden_size * element;
  const int64_t attention_width =
      (model.num_attention_heads + 2 * model.num_key_value_heads) * model.head_dim;
  const int64_t widest = std::max(attention_width, MlpWidth(model)) / tensor_parallel_size;
  const int64_t projection = tokens * widest * element;
  constexpr int64_t kLogitBytes = 4;  // Logits are computed in fp32.
  const int64_t logits = std::min(sequences, tokens) * model.vocab_size * kLogitBytes;
  return residual + projection + logits;
}

namespace {

// What one rank needs besides its share of the KV cache, and that share.
struct RankNeeds {
  int64_t weight_bytes = 0;
  int64_t kv_bytes_per_token = 0;
  int64_t kv_bytes = 0;
  int64_t activation_headroom_bytes = 0;
};

RankNeeds NeedsAt(const FitRequest& request, int64_t tensor_parallel_size) {
  RankNeeds needs;
  needs.weight_bytes =
      CeilDivide(model::WeightBytes(request.model, request.weight_type), tensor_parallel_size);
  needs.kv_bytes_per_token = model::KvCacheBytesPerTokenPerRank(
      request.model, request.kv_cache_type, tensor_parallel_size);
  const int64_t tokens_per_sequence =
      CeilDivide(request.max_model_len, kKvBlockTokens) * kKvBlockTokens;
  needs.kv_bytes = request.concurrency * tokens_per_sequence * needs.kv_bytes_per_token;
  needs.activation_headroom_bytes =
      ActivationBytes(request.model, ActivationType(request.weight_type), tensor_parallel_size,
                      request.max_num_batched_tokens, request.concurrency) +
      request.runtime_reserve_bytes;
  return needs;
}

}  // namespace

int64_t RequiredPartitionBytes(const FitRequest& request, int64_t tensor_parallel_size) {
  const RankNeeds needs = NeedsAt(request, tensor_parallel_size);
  const int64_t total = needs.weight_bytes + needs.kv_bytes + needs.activation_headroom_bytes;
  return static_cast<int64_t>(
      std::ceil(static_cast<double>(total) / request.gpu_memory_utilization));
}

FitOption EvaluateOption(const FitRequest& request, int64_t tensor_parallel_size) {
  FitOption option;
  option.tensor_parallel_size = tensor_parallel_size;
  option.usable_bytes = static_cast<int64_t>(std::floor(
      static_cast<double>(request.partition.vram_bytes) * request.gpu_memory_utilization));
  const RankNeeds needs = NeedsAt(request, tensor_parallel_size);
  option.weight_bytes = needs.weight_bytes;
  option.kv_bytes_per_token = needs.kv_bytes_per_token;
  option.kv_bytes = needs.kv_bytes;
  option.activation_headroom_bytes = needs.activation_headroom_bytes;
  const int64_t tokens_per_sequence =
      CeilDivide(request.max_model_len, kKvBlockTokens) * kKvBlockTokens;
  const int64_t kv_capacity =
      option.usable_bytes - option.weight_bytes - option.activation_headroom_bytes;
  option.free_bytes = kv_capacity - option.kv_bytes;
  option.max_sequences =
      kv_capacity > 0 ? kv_capacity / (tokens_per_sequence * option.kv_bytes_per_token) : 0;

  if (Status valid = model::CheckTensorParallelSize(request.model, tensor_parallel_size);
      !valid.ok()) {
    option.reason = valid.message();
  } else if (tensor_parallel_size > request.partition.PartitionsPerNode()) {
    option.reason =
        "a node has only " + std::to_string(request.partition.PartitionsPerNode()) + " partitions";
  } else if (kv_capacity <= 0) {
    option.reason = "weights (" + FormatBytes(static_cast<uint64_t>(option.weight_bytes)) +
                    ") and activation headroom (" +
                    FormatBytes(static_cast<uint64_t>(option.activation_headroom_bytes)) +
                    ") exceed the " + FormatBytes(static_cast<uint64_t>(option.usable_bytes)) +
                    " usable per partition";
  } else if (option.free_bytes < 0) {
    option.reason = "KV cache for " + std::to_string(request.concurrency) + " × " +
                    std::to_string(request.max_model_len) + " tokens needs " +
                    FormatBytes(static_cast<uint64_t>(option.kv_bytes)) +
                    " per partition but only " + FormatBytes(static_cast<uint64_t>(kv_capacity)) +
                    " is left, enough for " + std::to_string(option.max_sequences) + " sequences";
  }
  option.fits = option.reason.empty();
  return option;
}

Status NameFieldAsFlag(const Status& error) {
  const std::string& message = error.message();
  const size_t colon = message.find(':');
  if (colon == std::string::npos || colon == 0) return error;
  std::string flag = "--";
  for (char c : message.substr(0, colon)) {
    if (c == '_') {
      flag += '-';
    } else if (c >= 'a' && c <= 'z') {
      flag += c;
    } else {
      return error;
    }
  }
  return Status(error.code(), flag + message.substr(colon));
}

StatusOr<FitReport> EvaluateFit(const FitRequest& request) {
  TESSERA_RETURN_IF_ERROR(request.Validate());
  FitReport report;
  const model::ParameterCount parameters = model::CountParameters(request.model);
  report.parameters = parameters.total;
  report.active_parameters = parameters.active;
  report.weight_bytes = model::WeightBytes(request.model, request.weight_type);
  report.kv_bytes_per_token = model::KvCacheBytesPerToken(request.model, request.kv_cache_type);
  report.tokens_per_sequence = CeilDivide(request.max_model_len, kKvBlockTokens) * kKvBlockTokens;
  report.kv_bytes = request.concurrency * report.tokens_per_sequence * report.kv_bytes_per_token;
  report.requested = EvaluateOption(request, request.tensor_parallel_size);
  for (int64_t size = 1; size <= request.partition.PartitionsPerNode(); size *= 2) {
    if (!model::CheckTensorParallelSize(request.model, size).ok()) continue;
    FitOption option = EvaluateOption(request, size);
    if (option.fits && !report.min_tensor_parallel_size) report.min_tensor_parallel_size = size;
    report.options.push_back(std::move(option));
  }
  return report;
}

}  // namespace tessera::fit
