// Does a model fit a GPU partition? The arithmetic vLLM does at start-up,
// done ahead of time so that placement and `tessera fit` can answer without a
// GPU. For one partition of a worker sharded over TP × PP partitions (tensor
// parallelism within a pipeline stage, PP stages):
//
//   usable       = partition VRAM × gpu_memory_utilization
//   weights      = the stage's layers (plus the embedding on the first stage,
//                  the output head on the last) ÷ TP
//                  + the draft model's weights ÷ its TP, when speculating
//   activations  = peak forward-pass activations for max_num_batched_tokens
//                  + a fixed runtime reserve (HIP context, RCCL buffers, graphs)
//   KV capacity  = usable − weights − activations
//   KV needed    = concurrency × (max_model_len + speculative tokens, rounded
//                  up to 16-token blocks) × KV bytes per token per partition
//   KV per token = the stage's layers × per-layer KV ÷ TP (at least one KV head)
//                  + the draft's KV per token ÷ its TP
//
// and the request fits when the KV capacity holds what is needed. The figures
// are those of the tightest stage, the one that holds the fewest tokens:
// vLLM sizes every stage's cache to the smallest. docs/fit.md derives each
// term.

#ifndef TESSERA_ENGINE_FIT_MEMORY_FIT_H_
#define TESSERA_ENGINE_FIT_MEMORY_FIT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/model/model_architecture.h"
#include "hardware/gpu_catalog.h"

namespace tessera::fit {

// vLLM's defaults for an OpenAI server on a large-memory GPU.
inline constexpr double kDefaultGpuMemoryUtilization = 0.9;
inline constexpr int64_t kDefaultMaxNumBatchedTokens = 8192;
inline constexpr int64_t kDefaultRuntimeReserveBytes = int64_t{1} << 30;
// vLLM's paged-attention block, the unit in which KV cache is allocated.
inline constexpr int64_t kKvBlockTokens = 16;

// A draft model for speculative decoding (vLLM's --speculative-model, SGLang's
// --speculative-draft-model-path). Both engines give it a KV cache of its own
// with as many token slots as the target's: vLLM allocates the same block
// numbers in both caches and so splits the memory in the ratio of their
// per-token sizes, SGLang sizes the draft's pool to the target's token
// capacity. Each cached token therefore costs the target's KV plus the
// draft's. vLLM shards the draft over the target's tensor-parallel ranks, or
// puts it whole on the first rank of the group with
// --speculative-draft-tensor-parallel-size 1.
struct DraftModel {
  model::ModelArchitecture model;
  hardware::DataType weight_type = hardware::DataType::kBFloat16;
  // Tokens proposed per step; the engines reserve that many lookahead slots
  // beyond each sequence, and the target scores K + 1 positions per sequence.
  int64_t num_speculative_tokens = 1;
  // Unset: the target's tensor-parallel size (vLLM's default). 1: one rank of
  // each tensor-parallel group holds the whole draft and its whole cache.
  std::optional<int64_t> tensor_parallel_size{};
};

struct FitRequest {
  model::ModelArchitecture model;
  hardware::DataType weight_type = hardware::DataType::kBFloat16;
  hardware::DataType kv_cache_type = hardware::DataType::kBFloat16;
  int64_t max_model_len = 0;
  int64_t concurrency = 1;  // Full-length sequences that must be resident at once.
  int64_t tensor_parallel_size = 1;
  // Stages the layers are split over; a worker uses TP × PP partitions.
  int64_t pipeline_parallel_size = 1;
  std::optional<DraftModel> draft;
  double gpu_memory_utilization = kDefaultGpuMemoryUtilization;
  int64_t max_num_batched_tokens = kDefaultMaxNumBatchedTokens;
  int64_t runtime_reserve_bytes = kDefaultRuntimeReserveBytes;
  hardware::PartitionProfile partition;

  // InvalidArgument naming the field ("max_model_len: 200000 exceeds
  // llama-3.1-8b's limit of 131072 tokens").
  Status Validate() const;
};

// The memory budget of one partition of a worker sharded over
// `tensor_parallel_size` × `pipeline_parallel_size` partitions: the partition
// of the pipeline stage whose cache holds the fewest tokens. Byte totals
// include the draft model's part, which is also given on its own.
struct FitOption {
  int64_t tensor_parallel_size = 1;
  int64_t pipeline_parallel_size = 1;
  int64_t pipeline_stage = 0;  // the stage these figures are of, 0 first
  int64_t layers = 0;          // the target's decoder layers on that stage
  int64_t usable_bytes = 0;
  int64_t weight_bytes = 0;               // per partition, target + draft
  int64_t draft_weight_bytes = 0;         // per partition, the draft's part
  int64_t kv_bytes_per_token = 0;         // per partition, target + draft
  int64_t draft_kv_bytes_per_token = 0;   // per partition, the draft's part
  int64_t kv_bytes = 0;                   // per partition, for the requested concurrency
  int64_t draft_kv_bytes = 0;             // per partition, the draft's part
  int64_t activation_headroom_bytes = 0;  // activations + runtime reserve
  int64_t free_bytes = 0;                 // usable − the three above; negative when short
  int64_t max_sequences = 0;              // full-length sequences the KV capacity holds
  bool fits = false;
  std::string reason;  // why it does not fit; empty when it does

  int64_t target_weight_bytes() const { return weight_bytes - draft_weight_bytes; }
  int64_t target_kv_bytes_per_token() const {
    return kv_bytes_per_token - draft_kv_bytes_per_token;
  }
  int64_t target_kv_bytes() const { return kv_bytes - draft_kv_bytes; }
};

struct FitReport {
  int64_t parameters = 0;
  int64_t active_parameters = 0;
  int64_t weight_bytes = 0;         // whole target model
  int64_t kv_bytes_per_token = 0;   // whole target model
  int64_t tokens_per_sequence = 0;  // max_model_len + speculative tokens, rounded up to KV blocks
  int64_t kv_bytes = 0;             // whole target model, concurrency × tokens_per_sequence
  // The draft model as a whole; zero without one.
  int64_t draft_parameters = 0;
  int64_t draft_weight_bytes = 0;
  int64_t draft_kv_bytes_per_token = 0;
  int64_t draft_kv_bytes = 0;
  FitOption requested;
  // One per tensor-parallel size the model accepts, up to the partitions of
  // one node, smallest first, each at the requested pipeline-parallel size.
  std::vector<FitOption> options;
  std::optional<int64_t> min_tensor_parallel_size;
  // Things the engines do not do that the request asks for; the arithmetic
  // is still given.
  std::vector<std::string> warnings;
};

// Peak activation memory of one rank for a forward pass over `tokens`
// batched tokens that samples `sequences` sequences: the residual stream, the
// widest projection output (QKV or the gated MLP), and fp32 logits.
int64_t ActivationBytes(const model::ModelArchitecture& model, hardware::DataType activation_type,
                        int64_t tensor_parallel_size, int64_t tokens, int64_t sequences);

// The VRAM a partition must have for the request at `tensor_parallel_size`
// (and the request's pipeline-parallel size, in its most loaded stage): its
// share of the weights, its KV cache for the requested concurrency and its
// activation headroom, draft model included, over gpu_memory_utilization. The request's
// partition is not read, so placement can compare the result with any
// partition's size. Precondition: request.Validate() but for the partition.
int64_t RequiredPartitionBytes(const FitRequest& request, int64_t tensor_parallel_size);

// The budget at one tensor-parallel size. Precondition: request.Validate().
FitOption EvaluateOption(const FitRequest& request, int64_t tensor_parallel_size);

// FitRequest errors name fields in snake_case ("max_model_len: ..."); on a
// command line users typed them as flags. Returns `error` with its leading
// field rewritten as one ("--max-model-len: ..."); other errors unchanged.
Status NameFieldAsFlag(const Status& error);

// Validates the request and evaluates it at the requested and every viable
// tensor-parallel size.
StatusOr<FitReport> EvaluateFit(const FitRequest& request);

}  // namespace tessera::fit

#endif  // TESSERA_ENGINE_FIT_MEMORY_FIT_H_
