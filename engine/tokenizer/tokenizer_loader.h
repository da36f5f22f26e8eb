// Finds the tokenizer a user names with --tokenizer, the way vLLM and SGLang
// find a model's: a tokenizer.json file, a directory that holds one (a model
// directory or a Hugging Face snapshot), or a Hugging Face model id
// ("meta-llama/Llama-3.1-8B-Instruct") already in the local Hugging Face
// cache. It never downloads: these machines serve models from local disk.

#ifndef TESSERA_ENGINE_TOKENIZER_TOKENIZER_LOADER_H_
#define TESSERA_ENGINE_TOKENIZER_TOKENIZER_LOADER_H_

#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>

#include "base/environment.h"
#include "base/status.h"
#include "engine/tokenizer/tokenizer.h"

namespace tessera::tokenizer {

struct TokenizerFiles {
  std::filesystem::path tokenizer_json;
  // tokenizer_config.json next to it, when there is one: transformers reads
  // whether to add a beginning-of-sequence token from it.
  std::optional<std::filesystem::path> tokenizer_config_json{};
};

// Where the files of `name` are. The Hugging Face cache is $HF_HUB_CACHE,
// else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else
// ~/.cache/huggingface/hub; a model id resolves through its refs/main, else
// its newest snapshot holding a tokenizer.json. NotFound names every place
// looked at and how to get the files.
StatusOr<TokenizerFiles> FindTokenizerFiles(std::string_view name,
                                            const EnvironmentLookup& environment);

// The tokenizer `name` resolves to, loaded.
StatusOr<std::shared_ptr<const Tokenizer>> LoadTokenizer(
    std::string_view name, const EnvironmentLookup& environment = ProcessEnvironment);

}  // namespace tessera::tokenizer

#endif  // TESSERA_ENGINE_TOKENIZER_TOKENIZER_LOADER_H_
