// Does a model fit a GPU partition? The arithmetic vLLM does at start-up,
// done ahead of time so that placement and `tessera fit` can answer without a
// GPU:
//
//   usable       = partition VRAM × gpu_memory_utilization
//   weights      = checkpoint bytes ÷ TP
//   activations  = peak forward-pass activations for max_num_batched_tokens
//                  + a fixed runtime reserve (HIP context, RCCL buffers, graphs)
//   KV capacity  = usable − weights − activations
//   KV needed    = concurrency × max_model_len (rounded up to 16-token blocks)
//                  × KV bytes per token per rank
//
// and the request fits when the KV capacity holds what is needed. docs/fit.md
// derives each term.

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

struct FitRequest {
  model::ModelArchitecture model;
  hardware::DataType weight_type = hardware::DataType::kBFloat16;
  hardware::DataType kv_cache_type = hardware::DataType::kBFloat16;
  int64_t max_model_len = 0;
  int64_t concurrency = 1;  // Full-length sequences that must be resident at once.
  int64_t tensor_parallel_size = 1;
  double gpu_memory_utilization = kDefaultGpuMemoryUtilization;
  int64_t max_num_batched_tokens = kDefaultMaxNumBatchedTokens;
  int64_t runtime_reserve_bytes = kDefaultRuntimeReserveBytes;
  hardware::PartitionProfile partition;

  // InvalidArgument naming the field ("max_model_len: 200000 exceeds
  // llama-3.1-8b's limit of 131072 tokens").
  Status Validate() const;
};

// The memory budget of one partition when the model is sharded over
// `tensor_parallel_size` partitions.
struct FitOption {
  int64_t tensor_parallel_size = 1;
  int64_t usable_bytes = 0;
  int64_t weight_bytes = 0;               // per partition
  int64_t kv_bytes_per_token = 0;         // per partition
  int64_t kv_bytes = 0;                   // per partition, for the requested concurrency
  int64_t activation_headroom_bytes = 0;  // activations + runtime reserve
  int64_t free_bytes = 0;                 // usable − the three above; negative when short
  int64_t max_sequences = 0;              // full-length sequences the KV capacity holds
  bool fits = false;
  std::string reason;  // why it does not fit; empty when it does
};

struct FitReport {
  int64_t parameters = 0;
  int64_t active_parameters = 0;
  int64_t weight_bytes = 0;         // whole model
  int64_t kv_bytes_per_token = 0;   // whole model
  int64_t tokens_per_sequence = 0;  // max_model_len rounded up to KV blocks
  int64_t kv_bytes = 0;             // whole model, concurrency × tokens_per_sequence
  FitOption requested;
  // One per tensor-parallel size the model accepts, up to the partitions of
  // one node, smallest first.
  std::vector<FitOption> options;
  std::optional<int64_t> min_tensor_parallel_size;
};

// Peak activation memory of one rank for a forward pass over `tokens`
// batched tokens that samples `sequences` sequences: the residual stream, the
// widest projection output (QKV or the gated MLP), and fp32 logits.
int64_t ActivationBytes(const model::ModelArchitecture& model, hardware::DataType activation_type,
                        int64_t tensor_parallel_size, int64_t tokens, int64_t sequences);

// The VRAM a partition must have for the request at `tensor_parallel_size`:
// its share of the weights, its KV cache for the requested concurrency and
// its activation headroom, over gpu_memory_utilization. The request's
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
