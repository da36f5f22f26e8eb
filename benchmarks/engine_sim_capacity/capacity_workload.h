// What every stream of the capacity benchmark runs, live and in virtual
// time alike: the engine the simulator is started with, the prompt, and
// how a request's max_tokens is drawn.

#ifndef TESSERA_BENCHMARKS_ENGINE_SIM_CAPACITY_CAPACITY_WORKLOAD_H_
#define TESSERA_BENCHMARKS_ENGINE_SIM_CAPACITY_CAPACITY_WORKLOAD_H_

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::bench {

// The engine the simulator runs for this benchmark. llama-3.1-8b with an fp8
// KV cache on an MI355X holds 7,583 sequences of 512 tokens, so the KV cache
// never limits the stream counts swept; the batch budget admits a whole wave
// of short prompts in one step.
inline constexpr std::string_view kEngineFlags =
    "--model llama-3.1-8b --hardware mi355x --kv-cache-dtype fp8 --max-model-len 512 "
    "--max-num-seqs 8192 --max-num-batched-tokens 65536 --no-enable-prefix-caching";
inline constexpr std::string_view kModel = "llama-3.1-8b";
inline constexpr int64_t kPromptTokens = 16;
// Live and virtual clients draw the same max_tokens from this seed.
inline constexpr uint64_t kSeed = 7;

// kEngineFlags as arguments.
std::vector<std::string> EngineFlagArguments();

// A request's max_tokens: uniform in [mean/2, 3·mean/2].
int64_t DrawMaxTokens(std::mt19937_64& random, int64_t mean);

}  // namespace tessera::bench

#endif  // TESSERA_BENCHMARKS_ENGINE_SIM_CAPACITY_CAPACITY_WORKLOAD_H_
