// The shape of a transformer model: everything the memory arithmetic, the
// placement and the engine simulator need to know about it, and nothing about
// where its weights live.

#ifndef TESSERA_ENGINE_MODEL_MODEL_ARCHITECTURE_H_
#define TESSERA_ENGINE_MODEL_MODEL_ARCHITECTURE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "base/status.h"
#include "hardware/data_type.h"

namespace tessera::model {

// Multi-head latent attention (DeepSeek-V2/V3/R1): the KV cache holds one
// compressed latent of kv_lora_rank plus the rotary part per token and layer,
// instead of a key and a value per head.
struct LatentAttention {
  int64_t q_lora_rank = 0;  // 0: queries are projected without compression.
  int64_t kv_lora_rank = 0;
  int64_t qk_nope_head_dim = 0;
  int64_t qk_rope_head_dim = 0;
  int64_t v_head_dim = 0;
};

// Mixture of experts. Layers before `first_dense_layers` keep a dense MLP of
// the architecture's intermediate_size.
struct MixtureOfExperts {
  int64_t routed_experts = 0;
  int64_t shared_experts = 0;
  int64_t experts_per_token = 0;
  int64_t expert_intermediate_size = 0;
  int64_t first_dense_layers = 0;
};

struct ModelArchitecture {
  // Catalog name ("llama-3.1-8b") or, for a model directory, its path.
  std::string name;
  // The Hugging Face repository id the model is published under, if known.
  std::string hugging_face_id;

  int64_t num_layers = 0;
  int64_t hidden_size = 0;
  int64_t num_attention_heads = 0;
  int64_t num_key_value_heads = 0;  // < num_attention_heads: grouped-query attention.
  int64_t head_dim = 0;
  int64_t intermediate_size = 0;
  int64_t vocab_size = 0;
  int64_t max_position_embeddings = 0;
  bool tie_word_embeddings = false;
  bool query_key_norm = false;  // Per-head RMSNorm on q and k (Qwen3).

  std::optional<LatentAttention> latent_attention;
  std::optional<MixtureOfExperts> experts;

  // The checkpoint's weight format.
  hardware::DataType weight_type = hardware::DataType::kBFloat16;

  // Bytes of the checkpoint's tensors when read from its files; this beats
  // parameters × element size for quantized checkpoints that keep some tensors
  // (embeddings, norms, scales) wider.
  std::optional<int64_t> checkpoint_bytes;

  // Returns InvalidArgument naming the first field that makes no sense, e.g.
  // "num_key_value_heads: 5 does not divide num_attention_heads 32".
  Status Validate() const;
};

struct ParameterCount {
  int64_t total = 0;
  // Parameters touched per token: all of them for a dense model; shared and
  // routed-per-token experts only for a mixture of experts.
  int64_t active = 0;
};

// Counts parameters from the architecture alone (embeddings, attention or
// latent attention, dense or expert MLPs, norms, output head). Exact for the
// Llama, Qwen3 and DeepSeek-V3 families; others may differ by their biases.
ParameterCount CountParameters(const ModelArchitecture& architecture);

// Bytes of the weights in `weight_type` (the checkpoint's own size when it was
// read from files and `weight_type` is the checkpoint's format). In an 8-bit
// type (fp8, int8) the linear layers take one byte a parameter and the token
// embedding, output head, norms and MoE router stay 16-bit, as vLLM's fp8
// quantization and the published FP8 checkpoints keep them.
int64_t WeightBytes(const ModelArchitecture& architecture, hardware::DataType weight_type);

// Bytes of the part of the weights one pipeline stage holds: the decoder
// layers [first_layer, end_layer), the token embedding when `with_embedding`
// (the first stage), and the final norm and output head when
// `with_output_head` (the last stage; a tied head is a copy of the embedding
// there unless the stage holds the embedding too). A checkpoint read from files
// is shared out in proportion to the counted bytes. The whole model
// (0, num_layers, true, true) is WeightBytes.
int64_t WeightBytesOfLayers(const ModelArchitecture& architecture, hardware::DataType weight_type,
                            int64_t first_layer, int64_t end_layer, bool with_embedding,
                            bool with_output_head);

// KV-cache bytes one token occupies across the whole model:
//   2 × layers × KV heads × head_dim × element size    (MHA and GQA)
//   layers × (kv_lora_rank + qk_rope_head_dim) × element size    (MLA)
int64_t KvCacheBytesPerToken(const ModelArchitecture& architecture, hardware::DataType kv_type);

// KV-cache bytes one token occupies on each of `tensor_parallel_size` ranks.
// KV heads are split across ranks, but a rank never holds less than one head
// (vLLM replicates heads when TP exceeds the KV-head count), and the MLA latent
// is replicated on every rank.
int64_t KvCacheBytesPerTokenPerRank(const ModelArchitecture& architecture,
                                    hardware::DataType kv_type, int64_t tensor_parallel_size);

// OK when vLLM and SGLang can shard the model over `tensor_parallel_size`
// ranks: a power of two that divides the attention heads, and the KV heads
// divide it or it divides them.
Status CheckTensorParallelSize(const ModelArchitecture& architecture, int64_t tensor_parallel_size);

}  // namespace tessera::model

#endif  // TESSERA_ENGINE_MODEL_MODEL_ARCHITECTURE_H_
