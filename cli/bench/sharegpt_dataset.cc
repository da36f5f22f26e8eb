#include "cli/bench/sharegpt_dataset.h"

#include <iterator>
#include <span>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/yaml_json.h"
#include "cli/bench/python_random.h"

namespace tessera::bench {
namespace {

constexpr int64_t kMinTokens = 4;
constexpr int64_t kMaxPromptTokens = 1024;
constexpr int64_t kMaxTotalTokens = 2048;
constexpr int64_t kSglangMinTokens = 2;

// Whether a conversation passes the rule's bounds. Neither client bounds a
// fixed output length here: vLLM skips the check, and SGLang refuses one
// under 4 before sampling, so any it accepts passes its check of 2.
bool Passes(const ShareGptOptions& options, int64_t prompt_len, int64_t output_len) {
  const bool output_counted = !options.output_len.has_value();
  if (options.rule == ShareGptRule::kSglang) {
    return prompt_len >= kSglangMinTokens && (!output_counted || output_len >= kSglangMinTokens);
  }
  return prompt_len >= kMinTokens && prompt_len <= kMaxPromptTokens &&
         prompt_len + output_len <= kMaxTotalTokens &&
         (!output_counted || output_len >= kMinTokens);
}

Status EntryError(size_t index, const std::string& field, std::string_view problem) {
  return InvalidArgumentError("entry " + std::to_string(index) + ": " + field + ": " +
                              std::string(problem));
}

// The first two turns of an entry, read from the parsed file.
struct Conversation {
  std::string_view prompt;
  std::string_view completion;
};

// The text of turn `turn` of entry `index`.
StatusOr<std::string_view> TurnValue(const nlohmann::json& conversations, size_t index,
                                     size_t turn) {
  const nlohmann::json& message = conversations[turn];
  const std::string field = "conversations[" + std::to_string(turn) + "]";
  if (!message.is_object()) return EntryError(index, field, "must be an object");
  const auto value = message.find("value");
  if (value == message.end() || !value->is_string()) {
    return EntryError(index, field + ".value", "must be a string");
  }
  return std::string_view(value->get_ref<const std::string&>());
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
  // Every entry is checked, walked or not, so that a malformed file fails
  // whatever the seed; checking costs little next to tokenizing.
  std::vector<Conversation> conversations;
  for (size_t index = 0; index < parsed->size(); ++index) {
    const nlohmann::json& entry = (*parsed)[index];
    if (!entry.is_object()) return EntryError(index, "entry", "must be an object");
    const auto turns = entry.find("conversations");
    if (turns == entry.end() || !turns->is_array()) {
      return EntryError(index, "conversations", "must be a list of turns");
    }
    if (turns->size() < 2) continue;
    TESSERA_ASSIGN_OR_RETURN(const std::string_view prompt, TurnValue(*turns, index, 0));
    TESSERA_ASSIGN_OR_RETURN(const std::string_view completion, TurnValue(*turns, index, 1));
    conversations.push_back({.prompt = prompt, .completion = completion});
  }
  // vLLM's load_data: random.seed(seed); random.shuffle(entries), before
  // any filter, so the order depends on the file and the seed only.
  PythonRandom(options.seed).Shuffle(std::span<Conversation>(conversations));
  const auto wanted = static_cast<size_t>(options.num_prompts);
  std::vector<BenchmarkPrompt> prompts;
  prompts.reserve(wanted);
  for (const Conversation& conversation : conversations) {
    if (prompts.size() >= wanted) break;
    // Counted with the tokenizer's additions, as vLLM's and SGLang's
    // clients count them (tokenizer(text).input_ids). A fixed output length
    // makes the completion's count moot, so it is not taken.
    const int64_t prompt_len =
        tokenizer::CountPromptTokens(*options.tokenizer, conversation.prompt);
    const int64_t output_len =
        options.output_len
            ? *options.output_len
            : tokenizer::CountPromptTokens(*options.tokenizer, conversation.completion);
    if (!Passes(options, prompt_len, output_len)) continue;
    prompts.push_back({std::string(conversation.prompt), prompt_len, output_len});
  }
  if (prompts.empty()) {
    return InvalidArgumentError(
        options.rule == ShareGptRule::kVllm
            ? "no conversation passed vLLM's filters (two turns or more, " +
                  std::to_string(kMinTokens) + "–" + std::to_string(kMaxPromptTokens) +
                  " prompt tokens, at most " + std::to_string(kMaxTotalTokens) + " in total)"
            : "no conversation passed SGLang's filters (two turns or more, prompt and output "
              "of " +
                  std::to_string(kSglangMinTokens) + " tokens or more)");
  }
  if (options.rule == ShareGptRule::kVllm && prompts.size() < wanted) {
    // vLLM's maybe_oversample_requests: random.seed(seed) again, then
    // random.choices(prompts, k=missing), repeats allowed.
    std::vector<BenchmarkPrompt> extra =
        PythonRandom(options.seed)
            .Choices(std::span<const BenchmarkPrompt>(prompts), wanted - prompts.size());
    prompts.insert(prompts.end(), std::make_move_iterator(extra.begin()),
                   std::make_move_iterator(extra.end()));
  }
  return prompts;
}

}  // namespace tessera::bench
