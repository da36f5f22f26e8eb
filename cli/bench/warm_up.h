// The warm-up before a measured run, as the engines' own clients do it:
// vLLM's benchmark_serving (0.8.5) sends the workload's first prompt once and
// SGLang's bench_serving (0.4.6) sends --warmup-requests copies of it (at
// most 32 output tokens each), and both refuse to measure when it fails. A
// cold server's first request pays for lazy initialization (compilation,
// allocation, connection setup) that no later request sees. Compared with
// vLLM's client on the same workload, p99 TTFT differed by 3% without the
// warm-up and by 0.5% with it (issue 19).

#ifndef TESSERA_CLI_BENCH_WARM_UP_H_
#define TESSERA_CLI_BENCH_WARM_UP_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "base/status.h"
#include "cli/bench/benchmark_prompt.h"
#include "cli/bench/load_generator.h"

namespace tessera::bench {

// SGLang caps its warm-up's output; vLLM sends the first prompt unchanged.
inline constexpr int64_t kSglangWarmupOutputLen = 32;

// `requests` copies of the first prompt, shaped as `backend`'s client
// shapes its warm-up. Empty when `prompts` is empty or `requests` is 0.
std::vector<BenchmarkPrompt> WarmupPrompts(const std::vector<BenchmarkPrompt>& prompts,
                                           int64_t requests, Backend backend);

// Sends the warm-up requests all at once and waits for them. OK when there
// are none or at least one succeeded (SGLang's rule; with one request it is
// vLLM's). Otherwise FailedPrecondition with the first request's error, so
// that the caller does not measure a server that cannot answer the workload.
Status RunWarmup(const LoadOptions& options, const std::vector<BenchmarkPrompt>& warmup_prompts);

// The warm-up, then the measured run: RunLoad's result, in which the warm-up
// has no part (its requests are neither outcomes nor inside the duration).
// Fails with RunWarmup's error before anything is measured.
StatusOr<LoadResult> RunLoadAfterWarmup(const LoadOptions& options,
                                        const std::vector<BenchmarkPrompt>& prompts,
                                        const std::vector<double>& arrival_offsets,
                                        int64_t warmup_requests,
                                        const std::function<void(const LoadProgress&)>& on_progress,
                                        std::chrono::milliseconds progress_interval);

}  // namespace tessera::bench

#endif  // TESSERA_CLI_BENCH_WARM_UP_H_
