#include "cli/bench/shared_prefix_dataset.h"

#include <algorithm>
#include <random>
#include <string>

#include "engine/tokenizer/text_generator.h"

namespace tessera::bench {

StatusOr<std::vector<BenchmarkPrompt>> SharedPrefixDataset(const SharedPrefixOptions& options) {
  const auto positive = [](int64_t value, const char* flag) -> Status {
    if (value > 0) return OkStatus();
    return InvalidArgumentError(std::string(flag) + ": must be positive, got " +
                                std::to_string(value));
  };
  TESSERA_RETURN_IF_ERROR(positive(options.num_groups, "--gsp-num-groups"));
  TESSERA_RETURN_IF_ERROR(positive(options.prompts_per_group, "--gsp-prompts-per-group"));
  TESSERA_RETURN_IF_ERROR(positive(options.system_prompt_len, "--gsp-system-prompt-len"));
  TESSERA_RETURN_IF_ERROR(positive(options.question_len, "--gsp-question-len"));
  TESSERA_RETURN_IF_ERROR(positive(options.output_len, "--gsp-output-len"));
  tokenizer::TextGenerator words(options.tokenizer, options.seed);
  std::vector<BenchmarkPrompt> prompts;
  prompts.reserve(static_cast<size_t>(options.num_groups * options.prompts_per_group));
  for (int64_t group = 0; group < options.num_groups; ++group) {
    const std::string system_prompt = words.Words(options.system_prompt_len);
    for (int64_t i = 0; i < options.prompts_per_group; ++i) {
      std::string prompt = system_prompt + "\n\n" + words.Words(options.question_len);
      // Counted rather than summed: how the blank line between the parts
      // tokenizes is the tokenizer's business.
      const int64_t prompt_len = tokenizer::CountPromptTokens(*options.tokenizer, prompt);
      prompts.push_back({std::move(prompt), prompt_len, options.output_len});
    }
  }
  std::mt19937_64 random(options.seed);
  std::shuffle(prompts.begin(), prompts.end(), random);
  return prompts;
}

}  // namespace tessera::bench
