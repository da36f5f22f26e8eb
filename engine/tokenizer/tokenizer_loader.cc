#include "engine/tokenizer/tokenizer_loader.h"

#include <string>
#include <system_error>
#include <utility>

#include "base/file.h"
#include "base/strings.h"
#include "engine/tokenizer/hugging_face_tokenizer.h"

namespace tessera::tokenizer {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kTokenizerJson = "tokenizer.json";
constexpr std::string_view kTokenizerConfigJson = "tokenizer_config.json";

bool IsFile(const fs::path& path) {
  std::error_code error;
  return fs::is_regular_file(path, error);
}

bool IsDirectory(const fs::path& path) {
  std::error_code error;
  return fs::is_directory(path, error);
}

TokenizerFiles FilesIn(const fs::path& directory) {
  TokenizerFiles files{.tokenizer_json = directory / kTokenizerJson};
  if (IsFile(directory / kTokenizerConfigJson)) {
    files.tokenizer_config_json = directory / kTokenizerConfigJson;
  }
  return files;
}

fs::path HubCache(const EnvironmentLookup& environment) {
  if (std::optional<std::string> hub = environment("HF_HUB_CACHE"); hub && !hub->empty()) {
    return *hub;
  }
  if (std::optional<std::string> home = environment("HF_HOME"); home && !home->empty()) {
    return fs::path(*home) / "hub";
  }
  if (std::optional<std::string> cache = environment("XDG_CACHE_HOME"); cache && !cache->empty()) {
    return fs::path(*cache) / "huggingface" / "hub";
  }
  const std::optional<std::string> home = environment("HOME");
  return fs::path(home ? *home : "/") / ".cache" / "huggingface" / "hub";
}

// The snapshot of a cached model that holds a tokenizer.json: the one
// refs/main names, else the most recently written.
std::optional<fs::path> CachedSnapshot(const fs::path& model_directory) {
  if (StatusOr<std::string> main = ReadFile(model_directory / "refs" / "main"); main.ok()) {
    fs::path snapshot = model_directory / "snapshots" / std::string(TrimWhitespace(*main));
    if (IsFile(snapshot / kTokenizerJson)) return snapshot;
  }
  std::optional<fs::path> newest;
  fs::file_time_type newest_time;
  std::error_code error;
  for (const fs::directory_entry& entry :
       fs::directory_iterator(model_directory / "snapshots", error)) {
    if (!IsFile(entry.path() / kTokenizerJson)) continue;
    const fs::file_time_type written = fs::last_write_time(entry.path() / kTokenizerJson, error);
    if (!newest || written > newest_time) {
      newest = entry.path();
      newest_time = written;
    }
  }
  return newest;
}

}  // namespace

StatusOr<TokenizerFiles> FindTokenizerFiles(std::string_view name,
                                            const EnvironmentLookup& environment) {
  if (name.empty()) return InvalidArgumentError("--tokenizer: must not be empty");
  const fs::path path(name);
  if (IsFile(path)) {
    TokenizerFiles files{.tokenizer_json = path};
    const fs::path config = path.parent_path() / kTokenizerConfigJson;
    if (IsFile(config)) files.tokenizer_config_json = config;
    return files;
  }
  if (IsDirectory(path)) {
    if (IsFile(path / kTokenizerJson)) return FilesIn(path);
    return NotFoundError("--tokenizer: " + Quote(name) + " is a directory without " +
                         std::string(kTokenizerJson) +
                         "; Tessera reads a model's fast (Hugging Face tokenizers) tokenizer");
  }
  const fs::path cache = HubCache(environment);
  // "ORG/NAME", as the hub names models; the cache keeps it as models--ORG--NAME.
  const size_t slash = name.find('/');
  const bool model_id = slash != std::string_view::npos && slash > 0 && slash + 1 < name.size() &&
                        name.find('/', slash + 1) == std::string_view::npos && name.front() != '.';
  if (model_id) {
    const std::string directory_name = "models--" + std::string(name.substr(0, slash)) + "--" +
                                       std::string(name.substr(slash + 1));
    if (std::optional<fs::path> snapshot = CachedSnapshot(cache / directory_name)) {
      return FilesIn(*snapshot);
    }
  }
  return NotFoundError("--tokenizer: " + Quote(name) +
                       " is neither a tokenizer.json, a directory holding one, nor a model in "
                       "the Hugging Face cache at " +
                       cache.string() +
                       " (set HF_HOME or HF_HUB_CACHE to use another); Tessera never "
                       "downloads: fetch it with `huggingface-cli download " +
                       std::string(model_id ? name : "ORG/MODEL") +
                       " tokenizer.json tokenizer_config.json` or pass a path");
}

StatusOr<std::shared_ptr<const Tokenizer>> LoadTokenizer(std::string_view name,
                                                         const EnvironmentLookup& environment) {
  TESSERA_ASSIGN_OR_RETURN(TokenizerFiles files, FindTokenizerFiles(name, environment));
  TESSERA_ASSIGN_OR_RETURN(
      std::unique_ptr<HuggingFaceTokenizer> loaded,
      HuggingFaceTokenizer::Load(files.tokenizer_json, files.tokenizer_config_json));
  return std::shared_ptr<const Tokenizer>(std::move(loaded));
}

}  // namespace tessera::tokenizer
