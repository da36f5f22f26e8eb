#include "engine/fit/memory_fit.h"

#include <algorithm>
#include <cmath>

#include "base/units.h"
#include "engine/model/pipeline_stages.h"

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

int64_t SpeculativeTokens(const FitRequest& request) {
  return request.draft ? request.draft->num_speculative_tokens : 0;
}

// A full-length sequence's cache: max_model_len plus the lookahead slots the
// engines reserve for the draft's proposals, in whole blocks.
int64_t TokensPerSequence(const FitRequest& request) {
  return CeilDivide(request.max_model_len + SpeculativeTokens(request), kKvBlockTokens) *
         kKvBlockTokens;
}

// The draft's tensor-parallel size when the target's is `tensor_parallel_size`.
int64_t DraftTensorParallelSize(const DraftModel& draft, int64_t tensor_parallel_size) {
  return draft.tensor_parallel_size.value_or(tensor_parallel_size) == 1 ? 1 : tensor_parallel_size;
}

Status ValidateDraft(const FitRequest& request) {
  const DraftModel& draft = *request.draft;
  if (Status valid = draft.model.Validate(); !valid.ok()) {
    return valid.WithContext(draft.model.name).WithContext("speculative_model");
  }
  if (draft.model.vocab_size != request.model.vocab_size) {
    return InvalidArgumentError("speculative_model: " + draft.model.name + "'s vocabulary of " +
                                std::to_string(draft.model.vocab_size) + " tokens differs from " +
                                request.model.name + "'s " +
                                std::to_string(request.model.vocab_size) +
                                "; a draft must propose tokens of the target's vocabulary");
  }
  if (draft.num_speculative_tokens <= 0) {
    return InvalidArgumentError("num_speculative_tokens: must be positive, got " +
                                std::to_string(draft.num_speculative_tokens));
  }
  if (draft.tensor_parallel_size && *draft.tensor_parallel_size != 1 &&
      *draft.tensor_parallel_size != request.tensor_parallel_size) {
    return InvalidArgumentError(
        "speculative_draft_tensor_parallel_size: " + std::to_string(*draft.tensor_parallel_size) +
        " must be 1 or the target's " + std::to_string(request.tensor_parallel_size) +
        ", as vLLM requires");
  }
  const int64_t draft_size = DraftTensorParallelSize(draft, request.tensor_parallel_size);
  if (Status valid = model::CheckTensorParallelSize(draft.model, draft_size); !valid.ok()) {
    return valid.WithContext("speculative_model");
  }
  return OkStatus();
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
  if (Status pp = model::CheckPipelineParallelSize(model, pipeline_parallel_size); !pp.ok()) {
    return pp.WithContext("pipeline_parallel_size");
  }
  if (draft) TESSERA_RETURN_IF_ERROR(ValidateDraft(*this));
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

// What one partition of a stage needs besides its share of the KV cache, and
// that share.
struct RankNeeds {
  int64_t pipeline_stage = 0;
  int64_t layers = 0;
  int64_t weight_bytes = 0;
  int64_t draft_weight_bytes = 0;
  int64_t kv_bytes_per_token = 0;
  int64_t draft_kv_bytes_per_token = 0;
  int64_t kv_bytes = 0;
  int64_t draft_kv_bytes = 0;
  int64_t activation_headroom_bytes = 0;

  int64_t Total() const { return weight_bytes + kv_bytes + activation_headroom_bytes; }
};

std::vector<RankNeeds> NeedsPerStage(const FitRequest& request, int64_t tensor_parallel_size) {
  const int64_t tokens_per_sequence = TokensPerSequence(request);
  // The target scores the K proposals and one token of its own per sequence.
  const int64_t sampled = request.concurrency * (SpeculativeTokens(request) + 1);
  const int64_t headroom =
      ActivationBytes(request.model, ActivationType(request.weight_type), tensor_parallel_size,
                      request.max_num_batched_tokens, sampled) +
      request.runtime_reserve_bytes;
  // The whole-model KV per token per rank is a multiple of the layer count:
  // every layer caches the same.
  const int64_t kv_per_layer = model::KvCacheBytesPerTokenPerRank(
                                   request.model, request.kv_cache_type, tensor_parallel_size) /
                               request.model.num_layers;

  int64_t draft_weights = 0;
  int64_t draft_kv_per_token = 0;
  if (request.draft) {
    // The draft is counted whole on every stage's partitions: vLLM does not
    // pipeline it (see docs/fit.md), and its rank 0 is the fullest.
    const DraftModel& draft = *request.draft;
    const int64_t draft_size = DraftTensorParallelSize(draft, tensor_parallel_size);
    draft_weights = CeilDivide(model::WeightBytes(draft.model, draft.weight_type), draft_size);
    draft_kv_per_token =
        model::KvCacheBytesPerTokenPerRank(draft.model, request.kv_cache_type, draft_size);
  }

  std::vector<RankNeeds> stages;
  int64_t index = 0;
  for (const model::PipelineStage& stage :
       model::PipelineStages(request.model, request.pipeline_parallel_size)) {
    RankNeeds needs;
    needs.pipeline_stage = index++;
    needs.layers = stage.layers();
    needs.draft_weight_bytes = draft_weights;
    needs.weight_bytes =
        CeilDivide(model::StageWeightBytes(request.model, request.weight_type, stage),
                   tensor_parallel_size) +
        draft_weights;
    needs.draft_kv_bytes_per_token = draft_kv_per_token;
    needs.kv_bytes_per_token = kv_per_layer * stage.layers() + draft_kv_per_token;
    needs.kv_bytes = request.concurrency * tokens_per_sequence * needs.kv_bytes_per_token;
    needs.draft_kv_bytes = request.concurrency * tokens_per_sequence * draft_kv_per_token;
    needs.activation_headroom_bytes = headroom;
    stages.push_back(needs);
  }
  return stages;
}

int64_t UsableBytes(const FitRequest& request) {
  return static_cast<int64_t>(std::floor(static_cast<double>(request.partition.vram_bytes) *
                                         request.gpu_memory_utilization));
}

// The stage whose cache holds the fewest tokens; vLLM gives every stage that
// many blocks.
const RankNeeds& TightestStage(const std::vector<RankNeeds>& stages, int64_t usable_bytes) {
  const RankNeeds* tightest = &stages.front();
  double fewest = 0;
  for (const RankNeeds& needs : stages) {
    const double tokens =
        static_cast<double>(usable_bytes - needs.weight_bytes - needs.activation_headroom_bytes) /
        static_cast<double>(needs.kv_bytes_per_token);
    if (&needs == &stages.front() || tokens < fewest) {
      fewest = tokens;
      tightest = &needs;
    }
  }
  return *tightest;
}

}  // namespace

int64_t RequiredPartitionBytes(const FitRequest& request, int64_t tensor_parallel_size) {
  int64_t total = 0;
  for (const RankNeeds& needs : NeedsPerStage(request, tensor_parallel_size)) {
    total = std::max(total, needs.Total());
  }
  return static_cast<int64_t>(
      std::ceil(static_cast<double>(total) / request.gpu_memory_utilization));
}

FitOption EvaluateOption(const FitRequest& request, int64_t tensor_parallel_size) {
  FitOption option;
  option.tensor_parallel_size = tensor_parallel_size;
  option.pipeline_parallel_size = request.pipeline_parallel_size;
  option.usable_bytes = UsableBytes(request);
  const std::vector<RankNeeds> stages = NeedsPerStage(request, tensor_parallel_size);
  const RankNeeds& needs = TightestStage(stages, option.usable_bytes);
  option.pipeline_stage = needs.pipeline_stage;
  option.layers = needs.layers;
  option.weight_bytes = needs.weight_bytes;
  option.draft_weight_bytes = needs.draft_weight_bytes;
  option.kv_bytes_per_token = needs.kv_bytes_per_token;
  option.draft_kv_bytes_per_token = needs.draft_kv_bytes_per_token;
  option.kv_bytes = needs.kv_bytes;
  option.draft_kv_bytes = needs.draft_kv_bytes;
  option.activation_headroom_bytes = needs.activation_headroom_bytes;
  const int64_t tokens_per_sequence = TokensPerSequence(request);
  const int64_t kv_capacity =
      option.usable_bytes - option.weight_bytes - option.activation_headroom_bytes;
  option.free_bytes = kv_capacity - option.kv_bytes;
  option.max_sequences =
      kv_capacity > 0 ? kv_capacity / (tokens_per_sequence * option.kv_bytes_per_token) : 0;

  const std::string where = request.pipeline_parallel_size > 1
                                ? " per partition of stage " + std::to_string(option.pipeline_stage)
                                : " per partition";
  const std::string with_draft =
      request.draft ? " (draft " + FormatBytes(static_cast<uint64_t>(option.draft_kv_bytes)) + ")"
                    : "";
  if (Status valid = model::CheckTensorParallelSize(request.model, tensor_parallel_size);
      !valid.ok()) {
    option.reason = valid.message();
  } else if (Status draft_valid =
                 request.draft ? model::CheckTensorParallelSize(
                                     request.draft->model,
                                     DraftTensorParallelSize(*request.draft, tensor_parallel_size))
                               : OkStatus();
             !draft_valid.ok()) {
    option.reason = "draft: " + draft_valid.message();
  } else if (tensor_parallel_size > request.partition.PartitionsPerNode()) {
    option.reason =
        "a node has only " + std::to_string(request.partition.PartitionsPerNode()) + " partitions";
  } else if (kv_capacity <= 0) {
    option.reason = "weights (" + FormatBytes(static_cast<uint64_t>(option.weight_bytes)) +
                    (request.draft ? ", draft included" : "") + ") and activation headroom (" +
                    FormatBytes(static_cast<uint64_t>(option.activation_headroom_bytes)) +
                    ") exceed the " + FormatBytes(static_cast<uint64_t>(option.usable_bytes)) +
                    " usable" + where;
  } else if (option.free_bytes < 0) {
    option.reason = "KV cache for " + std::to_string(request.concurrency) + " × " +
                    std::to_string(request.max_model_len) + " tokens needs " +
                    FormatBytes(static_cast<uint64_t>(option.kv_bytes)) + with_draft + where +
                    " but only " + FormatBytes(static_cast<uint64_t>(kv_capacity)) +
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
  report.tokens_per_sequence = TokensPerSequence(request);
  report.kv_bytes = request.concurrency * report.tokens_per_sequence * report.kv_bytes_per_token;
  if (request.draft) {
    const DraftModel& draft = *request.draft;
    report.draft_parameters = model::CountParameters(draft.model).total;
    report.draft_weight_bytes = model::WeightBytes(draft.model, draft.weight_type);
    report.draft_kv_bytes_per_token =
        model::KvCacheBytesPerToken(draft.model, request.kv_cache_type);
    report.draft_kv_bytes =
        request.concurrency * report.tokens_per_sequence * report.draft_kv_bytes_per_token;
    if (request.pipeline_parallel_size > 1) {
      report.warnings.emplace_back(
          "vLLM does not run speculative decoding with pipeline parallelism "
          "(vllm-project/vllm#14117); the draft is counted whole on every stage");
    }
  }
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
