// SGLang's "generated-shared-prefix" dataset: groups of prompts that share a
// long system prompt and differ in a short question, the workload that
// shows what prefix caching and cache-aware routing are worth. Every group
// gets its own random system prompt; the prompts of all groups are shuffled
// together with the seed.

#ifndef TESSERA_CLI_BENCH_SHARED_PREFIX_DATASET_H_
#define TESSERA_CLI_BENCH_SHARED_PREFIX_DATASET_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "base/status.h"
#include "cli/bench/benchmark_prompt.h"
#include "engine/tokenizer/stand_in_tokenizer.h"

namespace tessera::bench {

struct SharedPrefixOptions {
  int64_t num_groups = 64;
  int64_t prompts_per_group = 16;
  int64_t system_prompt_len = 2048;
  int64_t question_len = 128;
  int64_t output_len = 256;
  uint64_t seed = 0;
  // Builds and counts the prompts; the stand-in unless --tokenizer names one.
  std::shared_ptr<const tokenizer::Tokenizer> tokenizer = tokenizer::StandInTokenizer::Shared();
};

// num_groups × prompts_per_group prompts. InvalidArgument names the flag.
StatusOr<std::vector<BenchmarkPrompt>> SharedPrefixDataset(const SharedPrefixOptions& options);

}  // namespace tessera::bench

#endif  // TESSERA_CLI_BENCH_SHARED_PREFIX_DATASET_H_
