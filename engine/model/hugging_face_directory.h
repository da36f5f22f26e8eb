// Reads a model's architecture from a Hugging Face model directory, the way
// vLLM and SGLang do when they are pointed at one.

#ifndef TESSERA_ENGINE_MODEL_HUGGING_FACE_DIRECTORY_H_
#define TESSERA_ENGINE_MODEL_HUGGING_FACE_DIRECTORY_H_

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "engine/model/model_architecture.h"

namespace tessera::model {

// Builds an architecture from a parsed config.json (`root`). Multimodal configs are
// read through their "text_config". Errors name the config.json field, e.g.
// "config.json: hidden_size must be a positive integer, got \"wide\"".
StatusOr<ModelArchitecture> ParseHuggingFaceConfig(const nlohmann::json& root, std::string name);

// Loads `directory`/config.json and sizes the checkpoint from
// model.safetensors.index.json (metadata.total_size) or, without an index,
// from the headers of the *.safetensors files; a directory without weights is
// fine and is sized from the architecture.
StatusOr<ModelArchitecture> LoadHuggingFaceDirectory(const std::filesystem::path& directory);

// Bytes of tensor data in one .safetensors file, read from its header only.
StatusOr<int64_t> SafetensorsDataBytes(const std::filesystem::path& file);

}  // namespace tessera::model

#endif  // TESSERA_ENGINE_MODEL_HUGGING_FACE_DIRECTORY_H_
