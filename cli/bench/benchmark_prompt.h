// One request of a benchmark workload, as a dataset produces it.

#ifndef TESSERA_CLI_BENCH_BENCHMARK_PROMPT_H_
#define TESSERA_CLI_BENCH_BENCHMARK_PROMPT_H_

#include <cstdint>
#include <string>

namespace tessera::bench {

struct BenchmarkPrompt {
  std::string prompt;
  int64_t prompt_len = 0;  // stand-in tokenizer tokens, before any chat template
  int64_t output_len = 0;  // max_tokens to ask for
};

}  // namespace tessera::bench

#endif  // TESSERA_CLI_BENCH_BENCHMARK_PROMPT_H_
