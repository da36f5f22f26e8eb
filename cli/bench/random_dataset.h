// vLLM's "random" dataset: prompts of random words whose token counts are
// drawn uniformly from input_len × [1 − r, 1 + r], each asking for a length
// drawn from output_len × [1 − r, 1 + r].

#ifndef TESSERA_CLI_BENCH_RANDOM_DATASET_H_
#define TESSERA_CLI_BENCH_RANDOM_DATASET_H_

#include <cstdint>
#include <vector>

#include "base/status.h"
#include "cli/bench/benchmark_prompt.h"

namespace tessera::bench {

struct RandomDatasetOptions {
  int64_t num_prompts = 1000;
  int64_t input_len = 1024;
  int64_t output_len = 128;
  double range_ratio = 0;
  uint64_t seed = 0;
};

// InvalidArgument names the flag: counts and lengths must be positive, the
// ratio in [0, 1).
StatusOr<std::vector<BenchmarkPrompt>> RandomDataset(const RandomDatasetOptions& options);

}  // namespace tessera::bench

#endif  // TESSERA_CLI_BENCH_RANDOM_DATASET_H_
