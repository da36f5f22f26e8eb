// vLLM's "random" dataset: prompts of random words whose token counts are
// drawn uniformly from input_len × [1 − r, 1 + r], each asking for a length
// drawn from output_len × [1 − r, 1 + r].

#ifndef TESSERA_CLI_BENCH_RANDOM_DATASET_H_
#define TESSERA_CLI_BENCH_RANDOM_DATASET_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "base/status.h"
#include "cli/bench/benchmark_prompt.h"
#include "engine/tokenizer/stand_in_tokenizer.h"

namespace tessera::bench {

// How --random-range-ratio r spreads a length around --random-input-len or
// --random-output-len, as each engine's own client reads the flag.
enum class RangeRatioRule {
  // vLLM's benchmark_serving: uniform on [len·(1−r), len·(1+r)], r in
  // [0, 1); r = 0 (the default) is a fixed length.
  kVllm,
  // SGLang's bench_serving (0.4.6): uniform on [len·r, len], r in [0, 1];
  // r = 1 is a fixed length and r = 0 (its default too) draws from [1, len].
  // SGLang lets an output length of 0 through; here it is at least 1, since
  // a request for no token streams nothing to measure.
  kSglang,
};

struct RandomDatasetOptions {
  int64_t num_prompts = 1000;
  int64_t input_len = 1024;
  int64_t output_len = 128;
  double range_ratio = 0;
  RangeRatioRule range_rule = RangeRatioRule::kVllm;
  uint64_t seed = 0;
  // Builds and counts the prompts; the stand-in unless --tokenizer names one.
  std::shared_ptr<const tokenizer::Tokenizer> tokenizer = tokenizer::StandInTokenizer::Shared();
};

// The inclusive bounds a length is drawn from.
struct LengthRange {
  int64_t low = 0;
  int64_t high = 0;
};
LengthRange LengthBounds(int64_t length, double range_ratio, RangeRatioRule rule);

// InvalidArgument names the flag: counts and lengths must be positive, the
// ratio in [0, 1) under vLLM's rule and in [0, 1] under SGLang's.
StatusOr<std::vector<BenchmarkPrompt>> RandomDataset(const RandomDatasetOptions& options);

}  // namespace tessera::bench

#endif  // TESSERA_CLI_BENCH_RANDOM_DATASET_H_
