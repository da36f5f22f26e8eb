#include "engine/model/model_catalog.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "base/strings.h"

namespace tessera::model {
namespace {

// Figures are the published config.json values of each checkpoint.
ModelArchitecture Llama(std::string name, std::string id, int64_t layers, int64_t hidden,
                        int64_t heads, int64_t kv_heads, int64_t intermediate, int64_t vocab,
                        int64_t max_positions, hardware::DataType type) {
  ModelArchitecture a;
  a.name = std::move(name);
  a.hugging_face_id = std::move(id);
  a.num_layers = layers;
  a.hidden_size = hidden;
  a.num_attention_heads = heads;
  a.num_key_value_heads = kv_heads;
  a.head_dim = hidden / heads;
  a.intermediate_size = intermediate;
  a.vocab_size = vocab;
  a.max_position_embeddings = max_positions;
  a.weight_type = type;
  return a;
}

ModelArchitecture Tied(ModelArchitecture a) {
  a.tie_word_embeddings = true;
  return a;
}

ModelArchitecture Qwen3(std::string name, std::string id) {
  ModelArchitecture a = Llama(std::move(name), std::move(id), 36, 4096, 32, 8, 12288, 151936, 40960,
                              hardware::DataType::kBFloat16);
  a.head_dim = 128;
  a.query_key_norm = true;
  return a;
}

ModelArchitecture DeepSeekR1() {
  ModelArchitecture a = Llama("deepseek-r1", "deepseek-ai/DeepSeek-R1", 61, 7168, 128, 128, 18432,
                              129280, 163840, hardware::DataType::kFloat8E4M3);
  a.head_dim = 192;  // qk_nope_head_dim + qk_rope_head_dim
  a.latent_attention = LatentAttention{.q_lora_rank = 1536,
                                       .kv_lora_rank = 512,
                                       .qk_nope_head_dim = 128,
                                       .qk_rope_head_dim = 64,
                                       .v_head_dim = 128};
  a.experts = MixtureOfExperts{.routed_experts = 256,
                               .shared_experts = 1,
                               .experts_per_token = 8,
                               .expert_intermediate_size = 2048,
                               .first_dense_layers = 3};
  return a;
}

const std::vector<ModelArchitecture>& Catalog() {
  static const auto* const kCatalog = new std::vector<ModelArchitecture>{
      Llama("llama-2-7b", "meta-llama/Llama-2-7b-hf", 32, 4096, 32, 32, 11008, 32000, 4096,
            hardware::DataType::kFloat16),
      Llama("llama-2-13b", "meta-llama/Llama-2-13b-hf", 40, 5120, 40, 40, 13824, 32000, 4096,
            hardware::DataType::kFloat16),
      // Llama 3.2's small models share Llama 3.1's vocabulary, which makes them
      // its speculative-decoding drafts; their output head is the embedding.
      Tied(Llama("llama-3.2-1b", "meta-llama/Llama-3.2-1B-Instruct", 16, 2048, 32, 8, 8192, 128256,
                 131072, hardware::DataType::kBFloat16)),
      Tied(Llama("llama-3.2-3b", "meta-llama/Llama-3.2-3B-Instruct", 28, 3072, 24, 8, 8192, 128256,
                 131072, hardware::DataType::kBFloat16)),
      Llama("llama-3.1-8b", "meta-llama/Llama-3.1-8B-Instruct", 32, 4096, 32, 8, 14336, 128256,
            131072, hardware::DataType::kBFloat16),
      Llama("llama-3.1-8b-fp8", "amd/Llama-3.1-8B-Instruct-FP8-KV", 32, 4096, 32, 8, 14336, 128256,
            131072, hardware::DataType::kFloat8E4M3),
      Llama("llama-3.1-70b", "meta-llama/Llama-3.1-70B-Instruct", 80, 8192, 64, 8, 28672, 128256,
            131072, hardware::DataType::kBFloat16),
      Llama("llama-3.1-405b", "meta-llama/Llama-3.1-405B-Instruct", 126, 16384, 128, 8, 53248,
            128256, 131072, hardware::DataType::kBFloat16),
      Llama("llama-3.3-70b", "meta-llama/Llama-3.3-70B-Instruct", 80, 8192, 64, 8, 28672, 128256,
            131072, hardware::DataType::kBFloat16),
      Qwen3("qwen3-8b", "Qwen/Qwen3-8B"),
      Qwen3("deepseek-r1-0528-qwen3-8b", "deepseek-ai/DeepSeek-R1-0528-Qwen3-8B"),
      DeepSeekR1(),
  };
  return *kCatalog;
}

bool StripPrefix(std::string& text, std::string_view prefix) {
  if (!text.starts_with(prefix)) return false;
  text.erase(0, prefix.size());
  return true;
}

bool StripSuffix(std::string& text, std::string_view suffix) {
  if (!text.ends_with(suffix)) return false;
  text.erase(text.size() - suffix.size());
  return true;
}

// "meta-llama/Meta-Llama-3.1-70B-Instruct" -> "llama-3.1-70b".
std::string NormalizeHuggingFaceId(std::string_view id) {
  std::string name = AsciiLower(id);
  if (const size_t slash = name.rfind('/'); slash != std::string::npos) name.erase(0, slash + 1);
  StripPrefix(name, "meta-");
  static constexpr std::array<std::string_view, 4> kSuffixes = {"-instruct", "-chat", "-hf",
                                                                "-base"};
  bool stripped = true;
  while (stripped) {
    stripped = false;
    for (std::string_view suffix : kSuffixes) stripped = StripSuffix(name, suffix) || stripped;
  }
  return name;
}

}  // namespace

std::span<const ModelArchitecture> CatalogModels() { return Catalog(); }

StatusOr<ModelArchitecture> FindCatalogModel(std::string_view name) {
  const std::string wanted = AsciiLower(name);
  for (const ModelArchitecture& model : Catalog()) {
    if (model.name == wanted || AsciiLower(model.hugging_face_id) == wanted) return model;
  }
  const std::string normalized = NormalizeHuggingFaceId(name);
  for (const ModelArchitecture& model : Catalog()) {
    if (model.name == normalized) return model;
  }
  std::string known;
  for (const ModelArchitecture& model : Catalog()) {
    if (!known.empty()) known += ", ";
    known += model.name;
  }
  return NotFoundError("unknown model \"" + std::string(name) + "\"; the catalog has " + known +
                       ", or give the path of a Hugging Face model directory with config.json");
}

}  // namespace tessera::model
