// Sends a benchmark's requests to an OpenAI-compatible server and records
// what each one saw, the way vLLM's benchmark_serving does, from one thread:
// requests are released at their arrival offsets, wait for a slot when
// --max-concurrency is reached (the send time is taken when the slot is
// granted), and stream their responses. Every streamed event is stamped
// with the time the bytes carrying it were read, before any parsing, so a
// busy client delays its bookkeeping but not its timestamps.

#ifndef TESSERA_CLI_BENCH_LOAD_GENERATOR_H_
#define TESSERA_CLI_BENCH_LOAD_GENERATOR_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "cli/bench/benchmark_prompt.h"
#include "cli/bench/request_outcome.h"
#include "engine/tokenizer/stand_in_tokenizer.h"
#include "http/http_message.h"

namespace tessera::bench {

// Which request shape to send, named as the engines' clients name them.
// openai, vllm and sglang-oai send OpenAI completions; openai-chat, chat
// completions; sglang (or sglang-native) SGLang's native /generate, as
// SGLang's bench_serving does by default.
enum class Backend { kOpenAi, kOpenAiChat, kVllm, kSglang, kSglangOai };

// InvalidArgument lists the accepted names.
StatusOr<Backend> ParseBackend(std::string_view name);
bool IsChat(Backend backend);
// sglang and sglang-oai: SGLang's client's rules (result format, length
// range, warm-up length, ignore_eos by default).
bool IsSglang(Backend backend);
std::string_view DefaultEndpoint(Backend backend);

struct LoadOptions {
  std::string base_url;  // "http://127.0.0.1:8000"
  std::string endpoint = "/v1/completions";
  Backend backend = Backend::kOpenAi;
  std::string model;
  int64_t max_concurrency = 0;  // 0: no limit
  bool ignore_eos = false;
  std::chrono::milliseconds request_timeout{std::chrono::hours(6)};
  std::vector<http::HttpHeader> headers;  // e.g. Authorization
  // Counts the output of a server that reports no usage.
  std::shared_ptr<const tokenizer::Tokenizer> tokenizer = tokenizer::StandInTokenizer::Shared();
};

struct LoadProgress {
  int64_t total = 0;
  int64_t completed = 0;  // succeeded
  int64_t failed = 0;
  int64_t in_flight = 0;
  int64_t output_tokens = 0;  // streamed so far, one per content event
  double elapsed_seconds = 0;
};

struct LoadResult {
  std::vector<RequestOutcome> outcomes;  // in the order of the prompts
  double duration_seconds = 0;           // first send to last completion
};

// Runs the whole load on the calling thread and returns when every request
// has finished. `arrival_offsets` (seconds from the start, nondecreasing)
// has one entry per prompt. `on_progress` runs every `progress_interval`
// and once at the end. Errors are per request, in the outcomes; the
// function itself fails only for invalid options (InvalidArgument naming
// the flag).
StatusOr<LoadResult> RunLoad(const LoadOptions& options,
                             const std::vector<BenchmarkPrompt>& prompts,
                             const std::vector<double>& arrival_offsets,
                             const std::function<void(const LoadProgress&)>& on_progress,
                             std::chrono::milliseconds progress_interval);

}  // namespace tessera::bench

#endif  // TESSERA_CLI_BENCH_LOAD_GENERATOR_H_
