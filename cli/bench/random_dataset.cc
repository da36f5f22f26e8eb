#include "cli/bench/random_dataset.h"

#include <algorithm>
#include <random>
#include <string>

#include "engine/tokenizer/text_generator.h"

namespace tessera::bench {
namespace {

// numpy.random.randint(low, high + 1), as both clients draw.
int64_t DrawLength(std::mt19937_64& random, int64_t length, double range_ratio,
                   RangeRatioRule rule) {
  const LengthRange range = LengthBounds(length, range_ratio, rule);
  return std::uniform_int_distribution<int64_t>(range.low, range.high)(random);
}

}  // namespace

LengthRange LengthBounds(int64_t length, double range_ratio, RangeRatioRule rule) {
  const auto scaled = [&](double factor) {
    // Python's int() truncates, as static_cast does for these positive values.
    return static_cast<int64_t>(static_cast<double>(length) * factor);
  };
  if (rule == RangeRatioRule::kSglang) {
    return {.low = std::clamp<int64_t>(scaled(range_ratio), 1, length), .high = length};
  }
  const int64_t low = std::max<int64_t>(1, scaled(1 - range_ratio));
  return {.low = low, .high = std::max(low, scaled(1 + range_ratio))};
}

StatusOr<std::vector<BenchmarkPrompt>> RandomDataset(const RandomDatasetOptions& options) {
  if (options.num_prompts <= 0) return InvalidArgumentError("--num-prompts: must be positive");
  if (options.input_len <= 0) return InvalidArgumentError("--random-input-len: must be positive");
  if (options.output_len <= 0) {
    return InvalidArgumentError("--random-output-len: must be positive");
  }
  const bool sglang = options.range_rule == RangeRatioRule::kSglang;
  const double ratio = options.range_ratio;
  // Negated so that NaN, which fails every comparison, is rejected too.
  // NOLINTNEXTLINE(readability-simplify-boolean-expr)
  if (!(ratio >= 0 && (sglang ? ratio <= 1 : ratio < 1))) {
    return InvalidArgumentError(std::string("--random-range-ratio: must be in ") +
                                (sglang ? "[0, 1] with --backend sglang" : "[0, 1)") + ", got " +
                                std::to_string(options.range_ratio));
  }
  std::mt19937_64 random(options.seed);
  tokenizer::TextGenerator words(options.tokenizer, options.seed);
  // The length counts what the tokenizer adds before a prompt (Llama 3's
  // <|begin_of_text|>), as the server's usage does.
  const auto added = static_cast<int64_t>(options.tokenizer->SequencePrefix().size());
  std::vector<BenchmarkPrompt> prompts;
  prompts.reserve(static_cast<size_t>(options.num_prompts));
  for (int64_t i = 0; i < options.num_prompts; ++i) {
    BenchmarkPrompt prompt;
    const int64_t length =
        DrawLength(random, options.input_len, options.range_ratio, options.range_rule);
    prompt.output_len =
        DrawLength(random, options.output_len, options.range_ratio, options.range_rule);
    // A prompt has at least one token of its own, even when the tokenizer's
    // additions alone reach the length drawn.
    const int64_t content = std::max<int64_t>(1, length - added);
    prompt.prompt = words.Words(content);
    prompt.prompt_len = added + content;
    prompts.push_back(std::move(prompt));
  }
  return prompts;
}

}  // namespace tessera::bench
