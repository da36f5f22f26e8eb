#include "engine/model/model_architecture.h"

#include <algorithm>
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

ParameterCount CountParameters(const ModelArchitecture& a) {
  const int64_t hidden = a.hidden_size;
  const int64_t embeddings = a.vocab_size * hidden;
  const int64_t output_head = a.tie_word_embeddings ? 0 : a.vocab_size * hidden;
  const int64_t layer_norms = 2 * hidden;
  const int64_t attention = AttentionParameters(a);
  const int64_t dense_mlp = GatedMlpParameters(hidden, a.intermediate_size);

  ParameterCount count;
  count.total = embeddings + output_head + hidden;  // + the final norm
  count.active = count.total;
  if (!a.experts) {
    count.total += a.num_layers * (attention + layer_norms + dense_mlp);
    count.active = count.total;
    return count;
  }

  const MixtureOfExperts& moe = *a.experts;
  const int64_t expert = GatedMlpParameters(hidden, moe.expert_intermediate_size);
  // DeepSeek-V3's router has a bias per expert for its load-balancing correction.
  const int64_t router =
      moe.routed_experts * hidden + (a.latent_attention ? moe.routed_experts : 0);
  const int64_t dense_layers = moe.first_dense_layers;
  const int64_t expert_layers = a.num_layers - dense_layers;
  const int64_t dense_layer = attention + layer_norms + dense_mlp;
  const int64_t expert_layer_common =
      attention + layer_norms + router + moe.shared_experts * expert;

  count.total += dense_layers * dense_layer +
                 expert_layers * (expert_layer_common + moe.routed_experts * expert);
  count.active += dense_layers * dense_layer +
                  expert_layers * (expert_layer_common + moe.experts_per_token * expert);
  return count;
}

int64_t WeightBytes(const ModelArchitecture& a, hardware::DataType weight_type) {
  if (a.checkpoint_bytes && weight_type == a.weight_type) return *a.checkpoint_bytes;
  return CountParameters(a).total * hardware::BytesPerElement(weight_type);
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
