#include "cli/bench/load_generator.h"

#include <algorithm>
#include <deque>
#include <memory>
#include <optional>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>
#include <sys/resource.h>

#include "cli/bench/sse_event_splitter.h"
#include "cli/bench/stream_chunk_parser.h"
#include "http/http_client.h"
#include "http/http_url.h"

namespace tessera::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration duration) { return std::chrono::duration<double>(duration).count(); }

// Each stream holds a socket; the default soft limit of 1,024 descriptors
// would cap a benchmark well below the thousands of streams it may need.
void RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

std::string RequestBody(const LoadOptions& options, const BenchmarkPrompt& prompt) {
  if (options.backend == Backend::kSglang) {
    // SGLang 0.4.6's bench_serving, async_request_sglang_generate.
    nlohmann::ordered_json sampling = {{"temperature", 0.0},
                                       {"max_new_tokens", prompt.output_len},
                                       {"ignore_eos", options.ignore_eos}};
    const nlohmann::ordered_json body = {
        {"text", prompt.prompt}, {"sampling_params", std::move(sampling)}, {"stream", true}};
    return body.dump();
  }
  nlohmann::ordered_json body = {{"model", options.model}};
  if (IsChat(options.backend)) {
    body["messages"] = nlohmann::json::array({{{"role", "user"}, {"content", prompt.prompt}}});
    body["temperature"] = 0.0;
    body["max_completion_tokens"] = prompt.output_len;
  } else {
    body["prompt"] = prompt.prompt;
    body["temperature"] = 0.0;
    body["max_tokens"] = prompt.output_len;
  }
  body["stream"] = true;
  body["stream_options"] = {{"include_usage", true}};
  if (options.ignore_eos) body["ignore_eos"] = true;
  return body.dump();
}

class LoadRun {
 public:
  LoadRun(const LoadOptions& options, const std::vector<BenchmarkPrompt>& prompts,
          const std::vector<double>& arrival_offsets,
          const std::function<void(const LoadProgress&)>& on_progress,
          std::chrono::milliseconds progress_interval)
      : options_(options),
        prompts_(prompts),
        arrival_offsets_(arrival_offsets),
        on_progress_(on_progress),
        progress_interval_(progress_interval),
        client_(io_context_, ClientOptions(options, prompts.size())),
        arrival_timer_(io_context_),
        progress_timer_(io_context_),
        url_(options.base_url + options.endpoint),
        outcomes_(prompts.size()),
        streams_(prompts.size()) {}

  LoadResult Run() {
    start_ = Clock::now();
    last_completion_ = start_;
    ScheduleArrivals();
    ScheduleProgress();
    io_context_.run();
    ReportProgress();
    // Counted after the run, as vLLM's client counts in calculate_metrics:
    // a real tokenizer in the event loop would delay the reads it times.
    for (const size_t index : uncounted_outputs_) {
      outcomes_[index].output_tokens =
          options_.tokenizer->CountTokens(outcomes_[index].generated_text);
    }
    return {std::move(outcomes_), Seconds(last_completion_ - start_)};
  }

 private:
  // What a request in flight keeps between the pieces of its stream.
  struct Stream {
    SseEventSplitter splitter;
    Clock::time_point sent;
    Clock::time_point last_event;
    bool saw_choices = false;
    bool saw_done = false;
    std::optional<int64_t> prompt_tokens;
    std::optional<int64_t> completion_tokens;
  };

  static http::HttpClientOptions ClientOptions(const LoadOptions& options, size_t requests) {
    http::HttpClientOptions client;
    client.read_timeout = options.request_timeout;
    client.total_timeout = options.request_timeout;
    // Keep every connection a later request could reuse.
    const auto streams =
        options.max_concurrency > 0 ? static_cast<size_t>(options.max_concurrency) : requests;
    client.max_idle_connections_per_host = std::max<size_t>(streams, 1);
    // Kept connections must not read a server's Nagle delay as latency.
    client.quick_ack = true;
    return client;
  }

  void ScheduleArrivals() {
    const Clock::time_point now = Clock::now();
    while (next_arrival_ < prompts_.size()) {
      const auto due = start_ + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(arrival_offsets_[next_arrival_]));
      if (due > now) {
        arrival_timer_.expires_at(due);
        arrival_timer_.async_wait([this](const boost::system::error_code& error) {
          if (!error) ScheduleArrivals();
        });
        break;
      }
      ready_.push_back(next_arrival_++);
    }
    // Every arrival that is due goes out now, not when the last one is due.
    StartReady();
  }

  void StartReady() {
    while (!ready_.empty() &&
           (options_.max_concurrency <= 0 || in_flight_ < options_.max_concurrency)) {
      const size_t index = ready_.front();
      ready_.pop_front();
      Start(index);
    }
  }

  void Start(size_t index) {
    ++in_flight_;
    Stream& stream = streams_[index];
    stream.sent = Clock::now();
    outcomes_[index].start_time = Seconds(stream.sent - start_);
    http::HttpClientRequest request =
        http::HttpClientRequest::PostJson(url_, RequestBody(options_, prompts_[index]));
    request.headers.insert(request.headers.end(), options_.headers.begin(), options_.headers.end());
    http::HttpCallHandlers handlers;
    handlers.on_body = [this, index](std::string_view data, Clock::time_point arrival) {
      OnBody(index, data, arrival);
    };
    handlers.on_complete = [this, index](const Status& status) { OnComplete(index, status); };
    client_.Start(std::move(request), std::move(handlers));
  }

  void OnBody(size_t index, std::string_view data, Clock::time_point arrival) {
    RequestOutcome& outcome = outcomes_[index];
    Stream& stream = streams_[index];
    if (!outcome.error.empty()) return;
    stream.splitter.Feed(data, [&](std::string_view event) {
      if (!outcome.error.empty()) return;
      if (event == "[DONE]") {
        stream.saw_done = true;
        return;
      }
      StatusOr<StreamChunk> chunk = options_.backend == Backend::kSglang
                                        ? parser_.ParseGenerate(event)
                                        : parser_.Parse(event);
      if (!chunk.ok()) {
        outcome.error = std::string(chunk.status().message());
        return;
      }
      if (chunk->error) {
        outcome.error = "the server failed the stream: " + *chunk->error;
        return;
      }
      if (chunk->prompt_tokens) stream.prompt_tokens = chunk->prompt_tokens;
      if (chunk->completion_tokens) stream.completion_tokens = chunk->completion_tokens;
      if (!chunk->has_choices) return;
      if (!stream.saw_choices) {
        outcome.ttft = Seconds(arrival - stream.sent);
        stream.saw_choices = true;
      } else {
        outcome.itl.push_back(Seconds(arrival - stream.last_event));
      }
      stream.last_event = arrival;
      if (chunk->cumulative_text) {
        outcome.generated_text = std::move(chunk->text);
      } else {
        outcome.generated_text += chunk->text;
      }
      ++streamed_tokens_;
    });
  }

  void OnComplete(size_t index, const Status& status) {
    RequestOutcome& outcome = outcomes_[index];
    Stream& stream = streams_[index];
    if (!status.ok()) {
      // The transport's account (refused, reset, timed out, HTTP status and
      // body) says more than anything parsed before it.
      outcome.error = std::string(status.message());
    } else if (outcome.error.empty() && !stream.saw_choices) {
      outcome.error = "the stream ended without any generated token";
    } else if (outcome.error.empty() && !stream.saw_done) {
      outcome.error = "the stream ended before data: [DONE]";
    }
    outcome.success = outcome.error.empty();
    if (outcome.success) {
      outcome.latency = Seconds(stream.last_event - stream.sent);
      outcome.prompt_len = stream.prompt_tokens.value_or(prompts_[index].prompt_len);
      if (stream.completion_tokens) {
        outcome.output_tokens = *stream.completion_tokens;
      } else {
        uncounted_outputs_.push_back(index);
      }
      ++completed_;
    } else {
      ++failed_;
    }
    stream = Stream{};
    --in_flight_;
    last_completion_ = Clock::now();
    if (completed_ + failed_ == static_cast<int64_t>(prompts_.size())) {
      // Idle keep-alive connections would hold the loop until they time out.
      io_context_.stop();
      return;
    }
    StartReady();
  }

  void ScheduleProgress() {
    if (!on_progress_ || progress_interval_.count() <= 0 || prompts_.empty()) return;
    progress_timer_.expires_after(progress_interval_);
    progress_timer_.async_wait([this](const boost::system::error_code& error) {
      if (error) return;
      ReportProgress();
      ScheduleProgress();
    });
  }

  void ReportProgress() const {
    if (!on_progress_) return;
    on_progress_({.total = static_cast<int64_t>(prompts_.size()),
                  .completed = completed_,
                  .failed = failed_,
                  .in_flight = in_flight_,
                  .output_tokens = streamed_tokens_,
                  .elapsed_seconds = Seconds(Clock::now() - start_)});
  }

  const LoadOptions& options_;
  const std::vector<BenchmarkPrompt>& prompts_;
  const std::vector<double>& arrival_offsets_;
  const std::function<void(const LoadProgress&)>& on_progress_;
  const std::chrono::milliseconds progress_interval_;

  boost::asio::io_context io_context_{1};
  http::HttpClient client_;
  boost::asio::steady_timer arrival_timer_;
  boost::asio::steady_timer progress_timer_;
  StreamChunkParser parser_;
  // Successful requests whose server reported no output token count.
  std::vector<size_t> uncounted_outputs_;
  const std::string url_;

  std::vector<RequestOutcome> outcomes_;
  std::vector<Stream> streams_;
  std::deque<size_t> ready_;
  size_t next_arrival_ = 0;
  int64_t in_flight_ = 0;
  int64_t completed_ = 0;
  int64_t failed_ = 0;
  int64_t streamed_tokens_ = 0;
  Clock::time_point start_;
  Clock::time_point last_completion_;
};

}  // namespace

StatusOr<Backend> ParseBackend(std::string_view name) {
  if (name == "openai") return Backend::kOpenAi;
  if (name == "openai-chat") return Backend::kOpenAiChat;
  if (name == "vllm") return Backend::kVllm;
  if (name == "sglang" || name == "sglang-native") return Backend::kSglang;
  if (name == "sglang-oai") return Backend::kSglangOai;
  return InvalidArgumentError(
      "--backend: must be one of openai, openai-chat, vllm, sglang (sglang-native), sglang-oai; "
      "got " +
      std::string(name));
}

bool IsChat(Backend backend) { return backend == Backend::kOpenAiChat; }

bool IsSglang(Backend backend) {
  return backend == Backend::kSglang || backend == Backend::kSglangOai;
}

std::string_view DefaultEndpoint(Backend backend) {
  if (backend == Backend::kSglang) return "/generate";
  return IsChat(backend) ? "/v1/chat/completions" : "/v1/completions";
}

StatusOr<LoadResult> RunLoad(const LoadOptions& options,
                             const std::vector<BenchmarkPrompt>& prompts,
                             const std::vector<double>& arrival_offsets,
                             const std::function<void(const LoadProgress&)>& on_progress,
                             std::chrono::milliseconds progress_interval) {
  StatusOr<http::HttpUrl> url = http::ParseHttpUrl(options.base_url + options.endpoint);
  if (!url.ok()) return url.status().WithContext("--base-url");
  if (arrival_offsets.size() != prompts.size()) {
    return InvalidArgumentError("one arrival offset per prompt is needed");
  }
  if (options.request_timeout.count() <= 0) {
    return InvalidArgumentError("--request-timeout: must be positive");
  }
  RaiseFileLimit();
  LoadRun run(options, prompts, arrival_offsets, on_progress, progress_interval);
  return run.Run();
}

}  // namespace tessera::bench
