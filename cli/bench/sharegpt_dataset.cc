#include "cli/bench/sharegpt_dataset.h"

#include <algorithm>
#include <random>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/yaml_json.h"

namespace tessera::bench {
namespace {

constexpr int64_t kMinTokens = 4;
constexpr int64_t kMaxPromptTokens = 1024;
constexpr int64_t kMaxTotalTokens = 2048;

Status EntryError(size_t index, const std::string& field, std::string_view problem) {
  return InvalidArgumentError("entry " + std::to_string(index) + ": " + field + ": " +
                              std::string(problem));
}

// The text of turn `turn` of entry `index`.
StatusOr<std::string> TurnValue(const nlohmann::json& conversations, size_t index, size_t turn) {
  const nlohmann::json& message = conversations[turn];
  const std::string field = "conversations[" + std::to_string(turn) + "]";
  if (!message.is_object()) return EntryError(index, field, "must be an object");
  const auto value = message.find("value");
  if (value == message.end() || !value->is_string()) {
    return EntryError(index, field + ".value", "must be a string");
  }
  return value->get<std::string>();
}

}  // namespace

StatusOr<std::vector<BenchmarkPrompt>> ShareGptDataset(std::string_view json,
                                                       const ShareGptOptions& options) {
  if (options.num_prompts <= 0) return InvalidArgumentError("--num-prompts: must be positive");
  if (options.output_len && *options.output_len <= 0) {
    return InvalidArgumentError("--sharegpt-output-len: must be positive");
  }
  StatusOr<nlohmann::json> parsed = ParseJson(json);
  if (!parsed.ok()) return parsed.status();
  if (!parsed->is_array()) {
    return InvalidArgumentError("expected a JSON list of {\"conversations\": [...]} entries");
  }
  std::vector<BenchmarkPrompt> eligible;
  for (size_t index = 0; index < parsed->size(); ++index) {
    const nlohmann::json& entry = (*parsed)[index];
    if (!entry.is_object()) return EntryError(index, "entry", "must be an object");
    const auto conversations = entry.find("conversations");
    if (conversations == entry.end() || !conversations->is_array()) {
      return EntryError(index, "conversations", "must be a list of turns");
    }
    if (conversations->size() < 2) continue;
    TESSERA_ASSIGN_OR_RETURN(std::string prompt, TurnValue(*conversations, index, 0));
    TESSERA_ASSIGN_OR_RETURN(std::string completion, TurnValue(*conversations, index, 1));
    // Both counted with the tokenizer's additions, as vLLM's and SGLang's
    // clients count them (tokenizer(text).input_ids).
    const int64_t prompt_len = tokenizer::CountPromptTokens(*options.tokenizer, prompt);
    const int64_t output_len =
        options.output_len.value_or(tokenizer::CountPromptTokens(*options.tokenizer, completion));
    if (prompt_len < kMinTokens || prompt_len > kMaxPromptTokens ||
        prompt_len + output_len > kMaxTotalTokens) {
      continue;
    }
    if (!options.output_len && output_len < kMinTokens) continue;
    eligible.push_back({std::move(prompt), prompt_len, output_len});
  }
  if (eligible.empty()) {
    return InvalidArgumentError("no conversation passed the filters (two turns or more, " +
                                std::to_string(kMinTokens) + "–" +
                                std::to_string(kMaxPromptTokens) + " prompt tokens, at most " +
                                std::to_string(kMaxTotalTokens) + " in total)");
  }
  std::mt19937_64 random(options.seed);
  std::shuffle(eligible.begin(), eligible.end(), random);
  const auto wanted = static_cast<size_t>(options.num_prompts);
  std::vector<BenchmarkPrompt> prompts;
  prompts.reserve(wanted);
  for (size_t i = 0; i < std::min(wanted, eligible.size()); ++i) prompts.push_back(eligible[i]);
  std::uniform_int_distribution<size_t> pick(0, eligible.size() - 1);
  while (prompts.size() < wanted) prompts.push_back(eligible[pick(random)]);
  return prompts;
}

}  // namespace tessera::bench
