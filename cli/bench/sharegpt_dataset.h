// The ShareGPT dataset as vLLM's benchmark reads it: a JSON list of
// {"conversations": [{"from": "human", "value": ...}, {"from": "gpt", ...}]}
// entries. Entries with fewer than two turns are skipped; the first turn is
// the prompt and the second's length is the output length (unless fixed).
// The picks are vLLM 0.8.5's (ShareGPTDataset), so that a seed chooses the
// very prompts its client chooses, in its order: the entries are shuffled
// with CPython's random.shuffle after random.seed(seed), then walked in
// that order, passing over those with a prompt or output under 4 tokens, a
// prompt over 1,024 or a total over 2,048 tokens, until num_prompts are
// taken; only what is walked is tokenized. When too few pass, vLLM's
// oversampling fills the rest: random.seed(seed) again, then
// random.choices over what passed. With SGLang's rule the picks are SGLang
// 0.4.6's (sample_sharegpt_requests): the same shuffle, SGLang's bounds,
// and no oversampling.

#ifndef TESSERA_CLI_BENCH_SHAREGPT_DATASET_H_
#define TESSERA_CLI_BENCH_SHAREGPT_DATASET_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "cli/bench/benchmark_prompt.h"
#include "engine/tokenizer/stand_in_tokenizer.h"

namespace tessera::bench {

// Which client's bounds and shortfall a walk follows.
enum class ShareGptRule {
  // vLLM 0.8.5: prompt and output of 4 tokens or more (the output unless
  // fixed), a prompt of at most 1,024 and a total of at most 2,048 tokens;
  // too few passing are oversampled to num_prompts.
  kVllm,
  // SGLang 0.4.6: prompt and output of 2 tokens or more, no upper bound;
  // too few passing are all there is.
  kSglang,
};

struct ShareGptOptions {
  int64_t num_prompts = 1000;
  std::optional<int64_t> output_len{};  // --sharegpt-output-len
  ShareGptRule rule = ShareGptRule::kVllm;
  uint64_t seed = 0;
  // Builds and counts the prompts; the stand-in unless --tokenizer names one.
  std::shared_ptr<const tokenizer::Tokenizer> tokenizer = tokenizer::StandInTokenizer::Shared();
};

// `json` is the file's content. InvalidArgument names the entry and field
// of a malformed file ("entry 3: conversations[1].value: must be a
// string"), or says that no entry passed the filters.
StatusOr<std::vector<BenchmarkPrompt>> ShareGptDataset(std::string_view json,
                                                       const ShareGptOptions& options);

}  // namespace tessera::bench

#endif  // TESSERA_CLI_BENCH_SHAREGPT_DATASET_H_
