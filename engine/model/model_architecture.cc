#include "engine/model/model_architecture.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace tessera::model {
namespace {

Status RequirePositive(std::string_view field, int64_t value) {
  if (value > 0) return OkStatus();
  return InvalidArgumentError(std::string(field) + ": must be a positive integer, got " +
                              std::to_string(value));
}

bool IsPowerOfTwo(int64_t value) { return value > 0 && (value & (value - 1)) == 0; }

int64_t AttentionParameters(const ModelArchitecture& a) {
  const int64_t hidden = a.hidden_size;
  if (a.latent_attention) {
    const LatentAttention& mla = *a.latent_attention;
    const int64_t query_head_dim = mla.qk_nope_head_dim + mla.qk_rope_head_dim;
    int64_t query = 0;
    if (mla.q_lora_rank > 0) {
      query = hidden * mla.q_lora_rank + mla.q_lora_rank +  // down projection and its norm
              mla.q_lora_rank * a.num_attention_heads * query_head_dim;
    } else {
      query = hidden * a.num_attention_heads * query_head_dim;
    }
    const int64_t latent = hidden * (mla.kv_lora_rank + mla.qk_rope_head_dim) + mla.kv_lora_rank;
    const int64_t key_value_up =
        mla.kv_lora_rank * a.num_attention_heads * (mla.qk_nope_head_dim + mla.v_head_dim);
    const int64_t output = a.num_attention_heads * mla.v_head_dim * hidden;
    return query + latent + key_value_up + output;
  }
  const int64_t query = hidden * a.num_attention_heads * a.head_dim;
  const int64_t key_value = 2 * hidden * a.num_key_value_heads * a.head_dim;
  const int64_t output = a.num_attention_heads * a.head_dim * hidden;
  const int64_t norms = a.query_key_norm ? 2 * a.head_dim : 0;
  return query + key_value + output + norms;
}

// Gate, up and down projections of a SwiGLU MLP.
int64_t GatedMlpParameters(int64_t hidden, int64_t intermediate) {
  return 3 * hidden * intermediate;
}

}  // namespace

Status ModelArchitecture::Validate() const {
  TESSERA_RETURN_IF_ERROR(RequirePositive("num_layers", num_layers));
  TESSERA_RETURN_IF_ERROR(RequirePositive("hidden_size", hidden_size));
  TESSERA_RETURN_IF_ERROR(RequirePositive("num_attention_heads", num_attention_heads));
  TESSERA_RETURN_IF_ERROR(RequirePositive("num_key_value_heads", num_key_value_heads));
  TESSERA_RETURN_IF_ERROR(RequirePositive("head_dim", head_dim));
  TESSERA_RETURN_IF_ERROR(RequirePositive("intermediate_size", intermediate_size));
  TESSERA_RETURN_IF_ERROR(RequirePositive("vocab_size", vocab_size));
  TESSERA_RETURN_IF_ERROR(RequirePositive("max_position_embeddings", max_position_embeddings));
  if (num_attention_heads % num_key_value_heads != 0) {
    return InvalidArgumentError("num_key_value_heads: " + std::to_string(num_key_value_heads) +
                                " does not divide num_attention_heads " +
                                std::to_string(num_attention_heads));
  }
  if (latent_attention) {
    TESSERA_RETURN_IF_ERROR(RequirePositive("kv_lora_rank", latent_attention->kv_lora_rank));
    TESSERA_RETURN_IF_ERROR(
        RequirePositive("qk_rope_head_dim", latent_attention->qk_rope_head_dim));
    TESSERA_RETURN_IF_ERROR(
        RequirePositive("qk_nope_head_dim", latent_attention->qk_nope_head_dim));
    TESSERA_RETURN_IF_ERROR(RequirePositive("v_head_dim", latent_attention->v_head_dim));
    if (latent_attention->q_lora_rank < 0) {
      return InvalidArgumentError("q_lora_rank: must not be negative, got " +
                                  std::to_string(latent_attention->q_lora_rank));
    }
  }
  if (experts) {
    TESSERA_RETURN_IF_ERROR(RequirePositive("n_routed_experts", experts->routed_experts));
    TESSERA_RETURN_IF_ERROR(RequirePositive("num_experts_per_tok", experts->experts_per_token));
    TESSERA_RETURN_IF_ERROR(
        RequirePositive("moe_intermediate_size", experts->expert_intermediate_size));
    if (experts->experts_per_token > experts->routed_experts) {
      return InvalidArgumentError(
          "num_experts_per_tok: " + std::to_string(experts->experts_per_token) +
          " exceeds the number of routed experts " + std::to_string(experts->routed_experts));
    }
    if (experts->shared_experts < 0 || experts->first_dense_layers < 0 ||
        experts->first_dense_layers > num_layers) {
      return InvalidArgumentError(
          "n_shared_experts and first_k_dense_replace: must be between 0 and the layer count");
    }
  }
  if (checkpoint_bytes && *checkpoint_bytes <= 0) {
    return InvalidArgumentError("checkpoint size: must be positive, got " +
                                std::to_string(*checkpoint_bytes));
  }
  return OkStatus();
}

namespace {

// The parameters of one decoder layer, split by whether an 8-bit checkpoint
// quantizes them: norms and the MoE router stay 16-bit, the projections do not.
struct LayerParameters {
  int64_t total = 0;
  int64_t active = 0;
  int64_t kept_wide = 0;
};

LayerParameters DecoderLayerParameters(const ModelArchitecture& a, int64_t layer) {
  const int64_t hidden = a.hidden_size;
  const int64_t layer_norms = 2 * hidden;
  const int64_t attention = AttentionParameters(a);
  int64_t attention_norms = a.query_key_norm ? 2 * a.head_dim : 0;
  if (a.latent_attention) {
    attention_norms = a.latent_attention->q_lora_rank + a.latent_attention->kv_lora_rank;
  }
  LayerParameters parameters;
  parameters.kept_wide = layer_norms + attention_norms;
  if (!a.experts || layer < a.experts->first_dense_layers) {
    parameters.total = attention + layer_norms + GatedMlpParameters(hidden, a.intermediate_size);
    parameters.active = parameters.total;
    return parameters;
  }
  const MixtureOfExperts& moe = *a.experts;
  const int64_t expert = GatedMlpParameters(hidden, moe.expert_intermediate_size);
  // DeepSeek-V3's router has a bias per expert for its load-balancing correction.
  const int64_t router =
      moe.routed_experts * hidden + (a.latent_attention ? moe.routed_experts : 0);
  const int64_t common = attention + layer_norms + router + moe.shared_experts * expert;
  parameters.total = common + moe.routed_experts * expert;
  parameters.active = common + moe.experts_per_token * expert;
  parameters.kept_wide += router;
  return parameters;
}

// Bytes of `parameters` parameters of which `kept_wide` stay 16-bit when the
// rest are 8-bit: vLLM's fp8 and int8 quantization, and the FP8 checkpoints
// published for it, quantize the linear layers only. Their scales (one fp32
// per tensor, or per output channel) add under 0.05% and are left out.
int64_t BytesOf(int64_t parameters, int64_t kept_wide, hardware::DataType weight_type) {
  const int64_t element = hardware::BytesPerElement(weight_type);
  constexpr int64_t kWideElement = 2;
  if (element >= kWideElement) return parameters * element;
  return (parameters - kept_wide) * element + kept_wide * kWideElement;
}

// Parameters of the layers [first_layer, end_layer) and, as asked, the token
// embedding and the final norm with the output head.
LayerParameters StageParameters(const ModelArchitecture& a, int64_t first_layer, int64_t end_layer,
                                bool with_embedding, bool with_output_head, bool count_tied_head) {
  LayerParameters stage;
  const int64_t embedding = a.vocab_size * a.hidden_size;
  if (with_embedding) stage.total += embedding;
  if (with_output_head) {
    stage.total += a.hidden_size;  // the final norm
    if (!a.tie_word_embeddings || count_tied_head) stage.total += embedding;
  }
  stage.active = stage.total;
  stage.kept_wide = stage.total;
  for (int64_t layer = first_layer; layer < end_layer; ++layer) {
    const LayerParameters parameters = DecoderLayerParameters(a, layer);
    stage.total += parameters.total;
    stage.active += parameters.active;
    stage.kept_wide += parameters.kept_wide;
  }
  return stage;
}

}  // namespace

ParameterCount CountParameters(const ModelArchitecture& a) {
  const LayerParameters whole = StageParameters(a, 0, a.num_layers, true, true, false);
  return ParameterCount{.total = whole.total, .active = whole.active};
}

int64_t WeightBytes(const ModelArchitecture& a, hardware::DataType weight_type) {
  if (a.checkpoint_bytes && weight_type == a.weight_type) return *a.checkpoint_bytes;
  const LayerParameters whole = StageParameters(a, 0, a.num_layers, true, true, false);
  return BytesOf(whole.total, whole.kept_wide, weight_type);
}

int64_t WeightBytesOfLayers(const ModelArchitecture& a, hardware::DataType weight_type,
                            int64_t first_layer, int64_t end_layer, bool with_embedding,
                            bool with_output_head) {
  if (first_layer == 0 && end_layer == a.num_layers && with_embedding && with_output_head) {
    return WeightBytes(a, weight_type);
  }
  // A tied output head is the embedding matrix; a stage that holds the head
  // but not the embedding loads its own copy.
  const LayerParameters stage =
      StageParameters(a, first_layer, end_layer, with_embedding, with_output_head, !with_embedding);
  const int64_t bytes = BytesOf(stage.total, stage.kept_wide, weight_type);
  if (!a.checkpoint_bytes || weight_type != a.weight_type) return bytes;
  // The checkpoint's own size is shared out in the proportion of the counted bytes.
  const LayerParameters whole = StageParameters(a, 0, a.num_layers, true, true, false);
  const long double share =
      static_cast<long double>(bytes) /
      static_cast<long double>(BytesOf(whole.total, whole.kept_wide, weight_type));
  return static_cast<int64_t>(std::ceil(share * static_cast<long double>(*a.checkpoint_bytes)));
}

int64_t KvCacheBytesPerToken(const ModelArchitecture& a, hardware::DataType kv_type) {
  const int64_t element = hardware::BytesPerElement(kv_type);
  if (a.latent_attention) {
    return a.num_layers *
           (a.latent_attention->kv_lora_rank + a.latent_attention->qk_rope_head_dim) * element;
  }
  return 2 * a.num_layers * a.num_key_value_heads * a.head_dim * element;
}

int64_t KvCacheBytesPerTokenPerRank(const ModelArchitecture& a, hardware::DataType kv_type,
                                    int64_t tensor_parallel_size) {
  if (a.latent_attention) return KvCacheBytesPerToken(a, kv_type);
  const int64_t heads_per_rank =
      std::max<int64_t>(1, a.num_key_value_heads / std::max<int64_t>(1, tensor_parallel_size));
  return 2 * a.num_layers * heads_per_rank * a.head_dim * hardware::BytesPerElement(kv_type);
}

Status CheckTensorParallelSize(const ModelArchitecture& a, int64_t tensor_parallel_size) {
  const std::string size = std::to_string(tensor_parallel_size);
  if (!IsPowerOfTwo(tensor_parallel_size)) {
    return InvalidArgumentError("tensor-parallel size " + size + " is not a power of two");
  }
  if (a.num_attention_heads % tensor_parallel_size != 0) {
    return InvalidArgumentError("tensor-parallel size " + size + " does not divide " + a.name +
                                "'s " + std::to_string(a.num_attention_heads) + " attention heads");
  }
  if (!a.latent_attention && a.num_key_value_heads % tensor_parallel_size != 0 &&
      tensor_parallel_size % a.num_key_value_heads != 0) {
    return InvalidArgumentError("tensor-parallel size " + size + " and " + a.name + "'s " +
                                std::to_string(a.num_key_value_heads) +
                                " KV heads do not divide one another");
  }
  return OkStatus();
}

}  // namespace tessera::model
