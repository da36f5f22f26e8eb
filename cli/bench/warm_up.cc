#include "cli/bench/warm_up.h"

#include <algorithm>

namespace tessera::bench {

std::vector<BenchmarkPrompt> WarmupPrompts(const std::vector<BenchmarkPrompt>& prompts,
                                           int64_t requests, Backend backend) {
  if (prompts.empty() || requests <= 0) return {};
  BenchmarkPrompt prompt = prompts.front();
  if (IsSglang(backend)) {
    prompt.output_len = std::min(prompt.output_len, kSglangWarmupOutputLen);
  }
  return std::vector<BenchmarkPrompt>(static_cast<size_t>(requests), prompt);
}

Status RunWarmup(const LoadOptions& options, const std::vector<BenchmarkPrompt>& warmup_prompts) {
  if (warmup_prompts.empty()) return OkStatus();
  // All at once, whatever --max-concurrency says, as SGLang sends them.
  LoadOptions warmup_options = options;
  warmup_options.max_concurrency = 0;
  const std::vector<double> at_once(warmup_prompts.size(), 0.0);
  TESSERA_ASSIGN_OR_RETURN(const LoadResult result, RunLoad(warmup_options, warmup_prompts, at_once,
                                                            {}, std::chrono::milliseconds(0)));
  const bool any_succeeded =
      std::any_of(result.outcomes.begin(), result.outcomes.end(),
                  [](const RequestOutcome& outcome) { return outcome.success; });
  if (any_succeeded) return OkStatus();
  return FailedPreconditionError("warm-up request failed: " + result.outcomes.front().error +
                                 ", so the benchmark was not run; make sure the flags match the "
                                 "server (--warmup-requests 0 skips the warm-up)");
}

StatusOr<LoadResult> RunLoadAfterWarmup(const LoadOptions& options,
                                        const std::vector<BenchmarkPrompt>& prompts,
                                        const std::vector<double>& arrival_offsets,
                                        int64_t warmup_requests,
                                        const std::function<void(const LoadProgress&)>& on_progress,
                                        std::chrono::milliseconds progress_interval) {
  TESSERA_RETURN_IF_ERROR(
      RunWarmup(options, WarmupPrompts(prompts, warmup_requests, options.backend)));
  return RunLoad(options, prompts, arrival_offsets, on_progress, progress_interval);
}

}  // namespace tessera::bench
