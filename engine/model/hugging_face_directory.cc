#include "engine/model/hugging_face_directory.h"

#include <array>
#include <cstring>
#include <fstream>
#include <vector>

#include "base/file.h"
#include "base/yaml_json.h"

namespace tessera::model {
namespace {

using nlohmann::json;

constexpr std::string_view kConfigFile = "config.json";

Status FieldError(std::string_view field, std::string_view problem, const json& value) {
  return InvalidArgumentError("config.json: " + std::string(field) + " " + std::string(problem) +
                              ", got " + value.dump());
}

// A positive integer field; `fallback` when absent or null, an error when
// absent and there is no fallback.
StatusOr<int64_t> PositiveInteger(const json& config, std::string_view field,
                                  std::optional<int64_t> fallback = std::nullopt) {
  const auto it = config.find(field);
  if (it == config.end() || it->is_null()) {
    if (fallback) return *fallback;
    return InvalidArgumentError("config.json: " + std::string(field) + " is required");
  }
  if (!it->is_number_integer() || it->get<int64_t>() <= 0) {
    return FieldError(field, "must be a positive integer", *it);
  }
  return it->get<int64_t>();
}

StatusOr<int64_t> NonNegativeInteger(const json& config, std::string_view field) {
  const auto it = config.find(field);
  if (it == config.end() || it->is_null()) return 0;
  if (!it->is_number_integer() || it->get<int64_t>() < 0) {
    return FieldError(field, "must be a non-negative integer", *it);
  }
  return it->get<int64_t>();
}

// First of `fields` present in `config`, or nullptr.
const json* FindAny(const json& config, std::initializer_list<std::string_view> fields) {
  for (std::string_view field : fields) {
    if (const auto it = config.find(field); it != config.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

StatusOr<hardware::DataType> WeightType(const json& config) {
  if (const auto quantization = config.find("quantization_config");
      quantization != config.end() && quantization->is_object()) {
    const auto method = quantization->find("quant_method");
    if (method != quantization->end() && *method == "fp8") return hardware::DataType::kFloat8E4M3;
  }
  const json* dtype = FindAny(config, {"torch_dtype", "dtype"});
  if (dtype == nullptr) return hardware::DataType::kBFloat16;
  if (!dtype->is_string()) return FieldError("torch_dtype", "must be a string", *dtype);
  StatusOr<hardware::DataType> type = hardware::ParseDataType(dtype->get<std::string>());
  if (!type.ok()) return type.status().WithContext("config.json: torch_dtype");
  return type;
}

// vLLM derives the longest usable context from max_position_embeddings,
// stretched by RoPE scaling except for the types that already account for it.
StatusOr<int64_t> MaxPositions(const json& config) {
  TESSERA_ASSIGN_OR_RETURN(int64_t positions, PositiveInteger(config, "max_position_embeddings"));
  const auto scaling = config.find("rope_scaling");
  if (scaling == config.end() || !scaling->is_object()) return positions;
  const json* type = FindAny(*scaling, {"rope_type", "type"});
  if (type == nullptr || !type->is_string()) return positions;
  const std::string name = type->get<std::string>();
  if (name == "su" || name == "longrope" || name == "llama3" || name == "default") {
    return positions;
  }
  const auto factor = scaling->find("factor");
  if (factor == scaling->end() || !factor->is_number() || factor->get<double>() < 1.0) {
    return positions;
  }
  if (name == "yarn") {
    if (const auto original = scaling->find("original_max_position_embeddings");
        original != scaling->end() && original->is_number_integer()) {
      positions = original->get<int64_t>();
    }
  }
  return static_cast<int64_t>(static_cast<double>(positions) * factor->get<double>());
}

StatusOr<std::optional<LatentAttention>> ReadLatentAttention(const json& config) {
  if (FindAny(config, {"kv_lora_rank"}) == nullptr) return std::optional<LatentAttention>();
  LatentAttention mla;
  TESSERA_ASSIGN_OR_RETURN(mla.kv_lora_rank, PositiveInteger(config, "kv_lora_rank"));
  TESSERA_ASSIGN_OR_RETURN(mla.q_lora_rank, NonNegativeInteger(config, "q_lora_rank"));
  TESSERA_ASSIGN_OR_RETURN(mla.qk_nope_head_dim, PositiveInteger(config, "qk_nope_head_dim"));
  TESSERA_ASSIGN_OR_RETURN(mla.qk_rope_head_dim, PositiveInteger(config, "qk_rope_head_dim"));
  TESSERA_ASSIGN_OR_RETURN(mla.v_head_dim, PositiveInteger(config, "v_head_dim"));
  return std::optional<LatentAttention>(mla);
}

StatusOr<std::optional<MixtureOfExperts>> ReadExperts(const json& config,
                                                      int64_t intermediate_size) {
  const json* routed = FindAny(config, {"n_routed_experts", "num_experts", "num_local_experts"});
  if (routed == nullptr) return std::optional<MixtureOfExperts>();
  if (!routed->is_number_integer() || routed->get<int64_t>() <= 0) {
    return FieldError("n_routed_experts", "must be a positive integer", *routed);
  }
  MixtureOfExperts moe;
  moe.routed_experts = routed->get<int64_t>();
  TESSERA_ASSIGN_OR_RETURN(moe.experts_per_token, PositiveInteger(config, "num_experts_per_tok"));
  // Mixtral sizes its experts with intermediate_size; DeepSeek and Qwen name
  // the expert width separately.
  TESSERA_ASSIGN_OR_RETURN(moe.expert_intermediate_size,
                           PositiveInteger(config, "moe_intermediate_size", intermediate_size));
  TESSERA_ASSIGN_OR_RETURN(moe.shared_experts, NonNegativeInteger(config, "n_shared_experts"));
  TESSERA_ASSIGN_OR_RETURN(moe.first_dense_layers,
                           NonNegativeInteger(config, "first_k_dense_replace"));
  return std::optional<MixtureOfExperts>(moe);
}

StatusOr<std::optional<int64_t>> CheckpointBytes(const std::filesystem::path& directory) {
  const std::filesystem::path index_path = directory / "model.safetensors.index.json";
  if (std::filesystem::exists(index_path)) {
    TESSERA_ASSIGN_OR_RETURN(std::string text, ReadFile(index_path));
    StatusOr<json> index = ParseJson(text);
    if (!index.ok()) return index.status().WithContext(index_path.string());
    const json* total = index->contains("metadata") && (*index)["metadata"].is_object()
                            ? FindAny((*index)["metadata"], {"total_size"})
                            : nullptr;
    if (total == nullptr || !total->is_number_integer() || total->get<int64_t>() <= 0) {
      return InvalidArgumentError(index_path.string() +
                                  ": metadata.total_size must be a positive integer");
    }
    return std::optional<int64_t>(total->get<int64_t>());
  }
  std::error_code error;
  int64_t total = 0;
  bool found = false;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    if (entry.path().extension() != ".safetensors") continue;
    TESSERA_ASSIGN_OR_RETURN(int64_t bytes, SafetensorsDataBytes(entry.path()));
    total += bytes;
    found = true;
  }
  if (error) return UnavailableError(directory.string() + ": cannot list: " + error.message());
  return found ? std::optional<int64_t>(total) : std::nullopt;
}

}  // namespace

StatusOr<ModelArchitecture> ParseHuggingFaceConfig(const json& root, std::string name) {
  if (!root.is_object()) {
    return InvalidArgumentError("config.json: expected a JSON object at the top level");
  }
  const json& config = root.contains("text_config") && root["text_config"].is_object() &&
                               !root.contains("num_hidden_layers")
                           ? root["text_config"]
                           : root;
  ModelArchitecture a;
  a.name = std::move(name);
  TESSERA_ASSIGN_OR_RETURN(a.num_layers, PositiveInteger(config, "num_hidden_layers"));
  TESSERA_ASSIGN_OR_RETURN(a.hidden_size, PositiveInteger(config, "hidden_size"));
  TESSERA_ASSIGN_OR_RETURN(a.num_attention_heads, PositiveInteger(config, "num_attention_heads"));
  TESSERA_ASSIGN_OR_RETURN(a.num_key_value_heads,
                           PositiveInteger(config, "num_key_value_heads", a.num_attention_heads));
  TESSERA_ASSIGN_OR_RETURN(a.intermediate_size, PositiveInteger(config, "intermediate_size"));
  TESSERA_ASSIGN_OR_RETURN(a.vocab_size, PositiveInteger(config, "vocab_size"));
  TESSERA_ASSIGN_OR_RETURN(a.max_position_embeddings, MaxPositions(config));
  TESSERA_ASSIGN_OR_RETURN(a.latent_attention, ReadLatentAttention(config));
  TESSERA_ASSIGN_OR_RETURN(a.experts, ReadExperts(config, a.intermediate_size));
  TESSERA_ASSIGN_OR_RETURN(a.weight_type, WeightType(config));

  if (a.latent_attention) {
    a.head_dim = a.latent_attention->qk_nope_head_dim + a.latent_attention->qk_rope_head_dim;
  } else {
    TESSERA_ASSIGN_OR_RETURN(
        a.head_dim, PositiveInteger(config, "head_dim", a.hidden_size / a.num_attention_heads));
  }
  if (const auto tie = config.find("tie_word_embeddings"); tie != config.end()) {
    if (!tie->is_boolean()) return FieldError("tie_word_embeddings", "must be a boolean", *tie);
    a.tie_word_embeddings = tie->get<bool>();
  }
  if (const auto type = config.find("model_type"); type != config.end() && type->is_string()) {
    a.query_key_norm = *type == "qwen3" || *type == "qwen3_moe";
  }
  Status valid = a.Validate();
  if (!valid.ok()) return valid.WithContext("config.json");
  return a;
}

StatusOr<ModelArchitecture> LoadHuggingFaceDirectory(const std::filesystem::path& directory) {
  const std::filesystem::path config_path = directory / kConfigFile;
  StatusOr<std::string> text = ReadFile(config_path);
  if (!text.ok()) {
    return Status(
        text.status().code(),
        directory.string() + " is not a Hugging Face model directory: " + text.status().message());
  }
  StatusOr<json> config = ParseJson(*text);
  if (!config.ok()) return config.status().WithContext(config_path.string());
  StatusOr<ModelArchitecture> architecture = ParseHuggingFaceConfig(*config, directory.string());
  if (!architecture.ok()) return architecture.status().WithContext(directory.string());
  TESSERA_ASSIGN_OR_RETURN(architecture->checkpoint_bytes, CheckpointBytes(directory));
  return architecture;
}

StatusOr<int64_t> SafetensorsDataBytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return NotFoundError(file.string() + ": cannot open");
  std::array<unsigned char, 8> length_bytes{};
  if (!in.read(reinterpret_cast<char*>(length_bytes.data()), length_bytes.size())) {
    return InvalidArgumentError(file.string() + ": too short for a safetensors header");
  }
  uint64_t header_length = 0;
  for (size_t i = 0; i < length_bytes.size(); ++i) {
    header_length |= uint64_t{length_bytes[i]} << (8 * i);
  }
  // The format caps headers at 100 MB; anything larger is not safetensors.
  if (header_length == 0 || header_length > 100'000'000) {
    return InvalidArgumentError(file.string() + ": header length " + std::to_string(header_length) +
                                " is not plausible");
  }
  std::string header(header_length, '\0');
  if (!in.read(header.data(), static_cast<std::streamsize>(header_length))) {
    return InvalidArgumentError(file.string() + ": header is truncated");
  }
  StatusOr<json> tensors = ParseJson(header);
  if (!tensors.ok()) return tensors.status().WithContext(file.string());
  if (!tensors->is_object()) return InvalidArgumentError(file.string() + ": header is not a map");
  int64_t total = 0;
  for (const auto& [tensor, description] : tensors->items()) {
    if (tensor == "__metadata__") continue;
    const auto offsets = description.find("data_offsets");
    if (!description.is_object() || offsets == description.end() || !offsets->is_array() ||
        offsets->size() != 2 || !(*offsets)[0].is_number_unsigned() ||
        !(*offsets)[1].is_number_unsigned() ||
        (*offsets)[1].get<uint64_t>() < (*offsets)[0].get<uint64_t>()) {
      return InvalidArgumentError(file.string() + ": tensor " + tensor +
                                  " has no valid data_offsets");
    }
    total += static_cast<int64_t>((*offsets)[1].get<uint64_t>() - (*offsets)[0].get<uint64_t>());
  }
  return total;
}

}  // namespace tessera::model
