#include "engine/simulator/engine_metrics.h"

#include <array>
#include <map>
#include <span>
#include <sstream>
#include <string_view>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace tessera::simulator {
namespace {

using prometheus::Histogram;
using prometheus::Labels;

// What the simulator measures, whatever the engine calls it.
enum class Metric : size_t {
  kRequestsRunning,
  kRequestsWaiting,
  kKvCacheUsage,
  kKvCacheUsedTokens,
  kGenerationThroughput,
  kPrefixCacheHitRate,
  kKvCacheCapacityTokens,
  kPrefixCacheQueries,
  kPrefixCacheHits,
  kPreemptions,
  kPromptTokens,
  kGenerationTokens,
  kRequestSuccess,
  kCachedPromptTokens,
  kRequests,
  kAbortedRequests,
  kTimeToFirstToken,
  kInterTokenLatency,
  kTimePerOutputToken,
  kEndToEndLatency,
  kQueueTime,
  kInferenceTime,
  kPrefillTime,
  kDecodeTime,
  kPromptTokensPerRequest,
  kGenerationTokensPerRequest,
  kMaxTokensParameter,
  kIterationTokens,
  kKvTransferTime,
  kKvTransferBytes,
  kKvTransferFailures,
  kKvExpiredRequests,
  kSpecDecodeAcceptanceRate,
  kSpecDecodeEfficiency,
  kSpecDecodeAcceptedTokens,
  kSpecDecodeDraftTokens,
  kSpecDecodeEmittedTokens,
};
constexpr size_t kMetricCount = static_cast<size_t>(Metric::kSpecDecodeEmittedTokens) + 1;

enum class Type { kGauge, kCounter, kHistogram };

// SGLang labels its scheduler's metrics with the engine's place in the
// parallel layout and its tokenizer's per-request metrics with the model
// only; vLLM labels every metric the same way.
enum class LabelSet { kEngine, kRequest };

constexpr auto kVllmTtft =
    std::to_array<double>({0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,  0.25,  0.5,   0.75,
                           1.0,   2.5,   5.0,  7.5,  10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0});
constexpr auto kVllmItl =
    std::to_array<double>({0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5,
                           5.0, 7.5, 10.0, 20.0, 40.0, 80.0});
constexpr auto kVllmRequestTime =
    std::to_array<double>({0.3,  0.5,  0.8,  1.0,  1.5,   2.0,   2.5,   5.0,   10.0,   15.0,  20.0,
                           30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0});
constexpr auto kVllmIterationTokens =
    std::to_array<double>({1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384});
// NixlConnector's: 5 ms to 5 s, and 2 KiB to 8 GiB in steps of four.
constexpr auto kNixlTransferTime =
    std::to_array<double>({0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 5.0});
constexpr auto kNixlTransferBytes =
    std::to_array<double>({2048.0, 8192.0, 32768.0, 131072.0, 524288.0, 2097152.0, 8388608.0,
                           33554432.0, 134217728.0, 536870912.0, 2147483648.0, 8589934592.0});
constexpr auto kSglangTtft = std::to_array<double>(
    {0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8, 10, 20, 40, 60, 80, 100, 200, 400});
constexpr auto kSglangItl = std::to_array<double>(
    {0.002, 0.004, 0.006, 0.008, 0.010, 0.015, 0.020, 0.025, 0.030, 0.035, 0.040, 0.060,
     0.080, 0.100, 0.200, 0.400, 0.600, 0.800, 1.000, 2.000, 4.000, 6.000, 8.000});
constexpr auto kSglangE2e =
    std::to_array<double>({0.1, 0.2, 0.4, 0.6, 0.8, 1,   2,   4,   6,    8,    10,
                           20,  40,  60,  80,  100, 200, 400, 600, 1200, 1800, 2400});
constexpr auto kSglangQueue =
    std::to_array<double>({0.0, 0.1, 0.2, 0.5, 1,    2,    3,    4,    5,    10,   15,   20,
                           30,  40,  50,  60,  70,   80,   90,   100,  200,  300,  400,  500,
                           600, 700, 800, 900, 1000, 1200, 1400, 1600, 1800, 2000, 2500, 3000});

// How one engine spells a metric. An empty name: that engine has no such
// metric, and recording it is a no-op.
struct Spelling {
  std::string_view name{};
  std::string_view help{};
  LabelSet labels = LabelSet::kEngine;
  std::span<const double> buckets{};
  // vLLM's token-count histograms: the 1-2-5 series up to max_model_len.
  bool token_count_buckets = false;
  // vLLM counts successes once per finished_reason label.
  bool per_finish_reason = false;
};

struct MetricFamily {
  Metric metric = Metric::kRequestsRunning;
  Type type = Type::kGauge;
  Spelling vllm{};
  Spelling sglang{};
  // Registered only on an engine with a KV connector, as vLLM registers its
  // connector's metrics.
  bool kv_connector_only = false;
  // Registered only on an engine that decodes speculatively, as vLLM V0
  // reports them only then.
  bool speculative_only = false;
};

// Every family of both engines. Within a type, the exposition lists
// families in this order, which is each engine's own.
constexpr auto kFamilies = std::to_array<MetricFamily>({
    {.metric = Metric::kRequestsRunning,
     .type = Type::kGauge,
     .vllm = {.name = "vllm:num_requests_running",
              .help = "Number of requests in model execution batches."},
     .sglang = {.name = "sglang:num_running_reqs", .help = "The number of running requests."}},
    {.metric = Metric::kRequestsWaiting,
     .type = Type::kGauge,
     .vllm = {.name = "vllm:num_requests_waiting",
              .help = "Number of requests waiting to be processed."},
     .sglang = {.name = "sglang:num_queue_reqs",
                .help = "The number of requests in the waiting queue."}},
    {.metric = Metric::kKvCacheUsage,
     .type = Type::kGauge,
     .vllm = {.name = "vllm:kv_cache_usage_perc",
              .help = "KV-cache usage. 1 means 100 percent usage."},
     .sglang = {.name = "sglang:token_usage", .help = "The token usage."}},
    {.metric = Metric::kKvCacheUsedTokens,
     .type = Type::kGauge,
     .sglang = {.name = "sglang:num_used_tokens", .help = "The number of used tokens."}},
    {.metric = Metric::kGenerationThroughput,
     .type = Type::kGauge,
     .sglang = {.name = "sglang:gen_throughput", .help = "The generation throughput (token/s)."}},
    {.metric = Metric::kPrefixCacheHitRate,
     .type = Type::kGauge,
     .sglang = {.name = "sglang:cache_hit_rate", .help = "The prefix cache hit rate."}},
    {.metric = Metric::kKvCacheCapacityTokens,
     .type = Type::kGauge,
     .sglang = {.name = "sglang:max_total_num_tokens",
                .help = "Maximum total number of tokens in the KV cache pool."}},
    {.metric = Metric::kPrefixCacheQueries,
     .type = Type::kCounter,
     .vllm = {.name = "vllm:prefix_cache_queries_total",
              .help = "Prefix cache queries, in terms of number of queried tokens."}},
    {.metric = Metric::kPrefixCacheHits,
     .type = Type::kCounter,
     .vllm = {.name = "vllm:prefix_cache_hits_total",
              .help = "Prefix cache hits, in terms of number of cached tokens."}},
    {.metric = Metric::kPreemptions,
     .type = Type::kCounter,
     .vllm = {.name = "vllm:num_preemptions_total",
              .help = "Cumulative number of preemption from the engine."}},
    {.metric = Metric::kPromptTokens,
     .type = Type::kCounter,
     .vllm = {.name = "vllm:prompt_tokens_total", .help = "Number of prefill tokens processed."},
     .sglang = {.name = "sglang:prompt_tokens_total",
                .help = "Number of prefill tokens processed.",
                .labels = LabelSet::kRequest}},
    {.metric = Metric::kGenerationTokens,
     .type = Type::kCounter,
     .vllm = {.name = "vllm:generation_tokens_total",
              .help = "Number of generation tokens processed."},
     .sglang = {.name = "sglang:generation_tokens_total",
                .help = "Number of generation tokens processed.",
                .labels = LabelSet::kRequest}},
    {.metric = Metric::kRequestSuccess,
     .type = Type::kCounter,
     .vllm = {.name = "vllm:request_success_total",
              .help = "Count of successfully processed requests.",
              .per_finish_reason = true}},
    {.metric = Metric::kCachedPromptTokens,
     .type = Type::kCounter,
     .sglang = {.name = "sglang:cached_tokens_total",
                .help = "Number of cached prompt tokens.",
                .labels = LabelSet::kRequest}},
    {.metric = Metric::kRequests,
     .type = Type::kCounter,
     .sglang = {.name = "sglang:num_requests_total",
                .help = "Number of requests processed.",
                .labels = LabelSet::kRequest}},
    {.metric = Metric::kAbortedRequests,
     .type = Type::kCounter,
     .sglang = {.name = "sglang:num_aborted_requests_total",
                .help = "Number of requests aborted.",
                .labels = LabelSet::kRequest}},
    {.metric = Metric::kTimeToFirstToken,
     .type = Type::kHistogram,
     .vllm = {.name = "vllm:time_to_first_token_seconds",
              .help = "Histogram of time to first token in seconds.",
              .buckets = kVllmTtft},
     .sglang = {.name = "sglang:time_to_first_token_seconds",
                .help = "Histogram of time to first token in seconds.",
                .labels = LabelSet::kRequest,
                .buckets = kSglangTtft}},
    {.metric = Metric::kInterTokenLatency,
     .type = Type::kHistogram,
     .vllm = {.name = "vllm:inter_token_latency_seconds",
              .help = "Histogram of inter-token latency in seconds.",
              .buckets = kVllmItl},
     .sglang = {.name = "sglang:inter_token_latency_seconds",
                .help = "Histogram of inter-token latency in seconds.",
                .labels = LabelSet::kRequest,
                .buckets = kSglangItl}},
    {.metric = Metric::kTimePerOutputToken,
     .type = Type::kHistogram,
     .vllm = {.name = "vllm:request_time_per_output_token_seconds",
              .help = "Histogram of time_per_output_token_seconds per request.",
              .buckets = kVllmItl}},
    {.metric = Metric::kEndToEndLatency,
     .type = Type::kHistogram,
     .vllm = {.name = "vllm:e2e_request_latency_seconds",
              .help = "Histogram of e2e request latency in seconds.",
              .buckets = kVllmRequestTime},
     .sglang = {.name = "sglang:e2e_request_latency_seconds",
                .help = "Histogram of End-to-end request latency in seconds",
                .labels = LabelSet::kRequest,
                .buckets = kSglangE2e}},
    {.metric = Metric::kQueueTime,
     .type = Type::kHistogram,
     .vllm = {.name = "vllm:request_queue_time_seconds",
              .help = "Histogram of time spent in WAITING phase for request.",
              .buckets = kVllmRequestTime},
     .sglang = {.name = "sglang:queue_time_seconds",
                .help = "Histogram of queueing time in seconds.",
                .buckets = kSglangQueue}},
    {.metric = Metric::kInferenceTime,
     .type = Type::kHistogram,
     .vllm = {.name = "vllm:request_inference_time_seconds",
              .help = "Histogram of time spent in RUNNING phase for request.",
              .buckets = kVllmRequestTime}},
    {.metric = Metric::kPrefillTime,
     .type = Type::kHistogram,
     .vllm = {.name = "vllm:request_prefill_time_seconds",
              .help = "Histogram of time spent in PREFILL phase for request.",
              .buckets = kVllmRequestTime}},
    {.metric = Metric::kDecodeTime,
     .type = Type::kHistogram,
     .vllm = {.name = "vllm:request_decode_time_seconds",
              .help = "Histogram of time spent in DECODE phase for request.",
              .buckets = kVllmRequestTime}},
    {.metric = Metric::kPromptTokensPerRequest,
     .type = Type::kHistogram,
     .vllm = {.name = "vllm:request_prompt_tokens",
              .help = "Number of prefill tokens processed.",
              .token_count_buckets = true}},
    {.metric = Metric::kGenerationTokensPerRequest,
     .type = Type::kHistogram,
     .vllm = {.name = "vllm:request_generation_tokens",
              .help = "Number of generation tokens processed.",
              .token_count_buckets = true}},
    {.metric = Metric::kMaxTokensParameter,
     .type = Type::kHistogram,
     .vllm = {.name = "vllm:request_params_max_tokens",
              .help = "Histogram of the max_tokens request parameter.",
              .token_count_buckets = true}},
    {.metric = Metric::kIterationTokens,
     .type = Type::kHistogram,
     .vllm = {.name = "vllm:iteration_tokens_total",
              .help = "Histogram of number of tokens per engine_step.",
              .buckets = kVllmIterationTokens}},
    {.metric = Metric::kKvTransferTime,
     .type = Type::kHistogram,
     .vllm = {.name = "vllm:nixl_xfer_time_seconds",
              .help = "Histogram of transfer duration for NIXL KV Cache transfers.",
              .buckets = kNixlTransferTime},
     .kv_connector_only = true},
    {.metric = Metric::kKvTransferBytes,
     .type = Type::kHistogram,
     .vllm = {.name = "vllm:nixl_bytes_transferred",
              .help = "Histogram of bytes transferred per NIXL KV Cache transfers.",
              .buckets = kNixlTransferBytes},
     .kv_connector_only = true},
    {.metric = Metric::kKvTransferFailures,
     .type = Type::kCounter,
     .vllm = {.name = "vllm:nixl_num_failed_transfers_total",
              .help = "Number of failed NIXL KV Cache transfers."},
     .kv_connector_only = true},
    {.metric = Metric::kKvExpiredRequests,
     .type = Type::kCounter,
     .vllm = {.name = "vllm:nixl_num_kv_expired_reqs_total",
              .help = "Number of requests that had their KV expire. NOTE: This metric is tracked "
                      "on the P instance."},
     .kv_connector_only = true},
    {.metric = Metric::kSpecDecodeAcceptanceRate,
     .type = Type::kGauge,
     .vllm = {.name = "vllm:spec_decode_draft_acceptance_rate",
              .help = "Speulative token acceptance rate."},  // vLLM V0's own spelling
     .speculative_only = true},
    {.metric = Metric::kSpecDecodeEfficiency,
     .type = Type::kGauge,
     .vllm = {.name = "vllm:spec_decode_efficiency",
              .help = "Speculative decoding system efficiency."},
     .speculative_only = true},
    {.metric = Metric::kSpecDecodeAcceptedTokens,
     .type = Type::kCounter,
     .vllm = {.name = "vllm:spec_decode_num_accepted_tokens_total",
              .help = "Number of accepted tokens."},
     .speculative_only = true},
    {.metric = Metric::kSpecDecodeDraftTokens,
     .type = Type::kCounter,
     .vllm = {.name = "vllm:spec_decode_num_draft_tokens_total", .help = "Number of draft tokens."},
     .speculative_only = true},
    {.metric = Metric::kSpecDecodeEmittedTokens,
     .type = Type::kCounter,
     .vllm = {.name = "vllm:spec_decode_num_emitted_tokens_total",
              .help = "Number of emitted tokens."},
     .speculative_only = true},
});

// vLLM's 1-2-5 series up to max_model_len, for token-count histograms.
Histogram::BucketBoundaries OneTwoFive(int64_t limit) {
  Histogram::BucketBoundaries buckets;
  for (int64_t scale = 1;; scale *= 10) {
    for (int64_t step : {1, 2, 5}) {
      if (step * scale > limit) return buckets;
      buckets.push_back(static_cast<double>(step * scale));
    }
  }
}

std::string_view FinishReasonLabel(FinishReason reason) {
  switch (reason) {
    case FinishReason::kStop:
      return "stop";
    case FinishReason::kAbort:
      return "abort";
    case FinishReason::kLength:
    case FinishReason::kNone:
      return "length";
  }
  return "length";
}

Labels LabelsOf(Flavor flavor, LabelSet set, const std::string& model_name) {
  if (flavor == Flavor::kVllm) return {{"model_name", model_name}, {"engine", "0"}};
  if (set == LabelSet::kRequest) return {{"model_name", model_name}};
  return {{"model_name", model_name},
          {"engine_type", "unified"},
          {"tp_rank", "0"},
          {"pp_rank", "0"},
          {"moe_ep_rank", "0"}};
}

}  // namespace

// Pointers into the registry, which owns the instruments, indexed by
// Metric. Null where the flavor has no such metric or it is of another type.
struct EngineMetrics::Instruments {
  std::array<prometheus::Gauge*, kMetricCount> gauges{};
  std::array<prometheus::Counter*, kMetricCount> counters{};
  std::array<Histogram*, kMetricCount> histograms{};
  std::map<FinishReason, prometheus::Counter*> success{};
  int64_t reported_queries = 0;
  int64_t reported_hits = 0;
  int64_t reported_preemptions = 0;
  int64_t num_speculative_tokens = 0;
  int64_t draft_tokens = 0;  // cumulative, for the gauges
  int64_t accepted_tokens = 0;
  int64_t emitted_tokens = 0;

  void Set(Metric metric, double value) const {
    if (prometheus::Gauge* gauge = gauges[static_cast<size_t>(metric)]) gauge->Set(value);
  }
  void Increment(Metric metric, double value = 1) const {
    if (prometheus::Counter* counter = counters[static_cast<size_t>(metric)]) {
      counter->Increment(value);
    }
  }
  void Observe(Metric metric, double value) const {
    if (Histogram* histogram = histograms[static_cast<size_t>(metric)]) histogram->Observe(value);
  }
};

EngineMetrics::EngineMetrics(Flavor flavor, const std::string& model_name, int64_t max_model_len,
                             int64_t max_total_tokens, bool kv_connector,
                             int64_t num_speculative_tokens)
    : registry_(std::make_shared<prometheus::Registry>()),
      instruments_(std::make_unique<Instruments>()) {
  instruments_->num_speculative_tokens = num_speculative_tokens;
  prometheus::Registry& registry = *registry_;
  Instruments& instruments = *instruments_;
  for (const MetricFamily& family : kFamilies) {
    const Spelling& spelling = flavor == Flavor::kVllm ? family.vllm : family.sglang;
    if (spelling.name.empty() || (family.kv_connector_only && !kv_connector)) continue;
    if (family.speculative_only && num_speculative_tokens == 0) continue;
    const std::string name(spelling.name);
    const std::string help(spelling.help);
    const Labels labels = LabelsOf(flavor, spelling.labels, model_name);
    const auto index = static_cast<size_t>(family.metric);
    switch (family.type) {
      case Type::kGauge:
        instruments.gauges[index] =
            &prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add(labels);
        break;
      case Type::kCounter: {
        auto& counters = prometheus::BuildCounter().Name(name).Help(help).Register(registry);
        if (!spelling.per_finish_reason) {
          instruments.counters[index] = &counters.Add(labels);
          break;
        }
        for (FinishReason reason :
             {FinishReason::kStop, FinishReason::kLength, FinishReason::kAbort}) {
          Labels with_reason = labels;
          with_reason["finished_reason"] = std::string(FinishReasonLabel(reason));
          instruments.success[reason] = &counters.Add(with_reason);
        }
        break;
      }
      case Type::kHistogram:
        instruments.histograms[index] =
            &prometheus::BuildHistogram().Name(name).Help(help).Register(registry).Add(
                labels, spelling.token_count_buckets
                            ? OneTwoFive(max_model_len)
                            : Histogram::BucketBoundaries(spelling.buckets.begin(),
                                                          spelling.buckets.end()));
        break;
    }
  }
  instruments.Set(Metric::kKvCacheCapacityTokens, static_cast<double>(max_total_tokens));
}

EngineMetrics::~EngineMetrics() = default;

void EngineMetrics::RecordStep(const StepMetrics& step) {
  Instruments& instruments = *instruments_;
  instruments.Set(Metric::kRequestsRunning, static_cast<double>(step.running));
  instruments.Set(Metric::kRequestsWaiting, static_cast<double>(step.waiting));
  instruments.Set(Metric::kKvCacheUsage, step.kv_cache_usage);
  instruments.Set(Metric::kKvCacheUsedTokens, static_cast<double>(step.kv_cache_used_tokens));
  instruments.Set(Metric::kGenerationThroughput, step.generation_throughput);
  if (step.prefix_query_tokens > 0) {
    instruments.Set(Metric::kPrefixCacheHitRate, static_cast<double>(step.prefix_hit_tokens) /
                                                     static_cast<double>(step.prefix_query_tokens));
  }
  // The engine reports cumulative counts; the counters take what is new.
  instruments.Increment(
      Metric::kPrefixCacheQueries,
      static_cast<double>(step.prefix_query_tokens - instruments.reported_queries));
  instruments.Increment(Metric::kPrefixCacheHits,
                        static_cast<double>(step.prefix_hit_tokens - instruments.reported_hits));
  instruments.Increment(Metric::kPreemptions,
                        static_cast<double>(step.preemptions - instruments.reported_preemptions));
  instruments.reported_queries = step.prefix_query_tokens;
  instruments.reported_hits = step.prefix_hit_tokens;
  instruments.reported_preemptions = step.preemptions;
  if (step.iteration_tokens > 0) {
    instruments.Observe(Metric::kIterationTokens, static_cast<double>(step.iteration_tokens));
  }
  if (step.draft_tokens > 0) {
    instruments.Increment(Metric::kSpecDecodeDraftTokens, static_cast<double>(step.draft_tokens));
    instruments.Increment(Metric::kSpecDecodeAcceptedTokens,
                          static_cast<double>(step.accepted_tokens));
    instruments.Increment(Metric::kSpecDecodeEmittedTokens,
                          static_cast<double>(step.emitted_tokens));
    instruments.draft_tokens += step.draft_tokens;
    instruments.accepted_tokens += step.accepted_tokens;
    instruments.emitted_tokens += step.emitted_tokens;
    // vLLM V0: accepted over proposed, and emitted over what k proposals per
    // sequence and step could emit at most, k + 1.
    const auto k = static_cast<double>(instruments.num_speculative_tokens);
    const auto draft = static_cast<double>(instruments.draft_tokens);
    instruments.Set(Metric::kSpecDecodeAcceptanceRate,
                    static_cast<double>(instruments.accepted_tokens) / draft);
    instruments.Set(Metric::kSpecDecodeEfficiency,
                    static_cast<double>(instruments.emitted_tokens) / (draft / k * (k + 1)));
  }
}

void EngineMetrics::RecordFirstToken(double seconds) {
  instruments_->Observe(Metric::kTimeToFirstToken, seconds);
}

void EngineMetrics::RecordInterTokenLatency(double seconds) {
  instruments_->Observe(Metric::kInterTokenLatency, seconds);
}

void EngineMetrics::RecordFinished(const FinishedRequestMetrics& request) {
  Instruments& instruments = *instruments_;
  instruments.Increment(Metric::kPromptTokens, static_cast<double>(request.prompt_tokens));
  instruments.Increment(Metric::kGenerationTokens, static_cast<double>(request.generation_tokens));
  instruments.Observe(Metric::kEndToEndLatency, request.e2e_seconds);
  instruments.Observe(Metric::kQueueTime, request.queue_seconds);
  instruments.Increment(Metric::kRequests);
  instruments.Increment(Metric::kCachedPromptTokens,
                        static_cast<double>(request.cached_prompt_tokens));
  if (request.finish == FinishReason::kAbort) instruments.Increment(Metric::kAbortedRequests);
  if (!instruments.success.empty()) {
    instruments.success
        .at(request.finish == FinishReason::kNone ? FinishReason::kLength : request.finish)
        ->Increment();
  }
  instruments.Observe(Metric::kPrefillTime, request.prefill_seconds);
  instruments.Observe(Metric::kDecodeTime, request.decode_seconds);
  instruments.Observe(Metric::kInferenceTime, request.prefill_seconds + request.decode_seconds);
  instruments.Observe(Metric::kPromptTokensPerRequest, static_cast<double>(request.prompt_tokens));
  instruments.Observe(Metric::kGenerationTokensPerRequest,
                      static_cast<double>(request.generation_tokens));
  if (request.max_tokens > 0) {
    instruments.Observe(Metric::kMaxTokensParameter, static_cast<double>(request.max_tokens));
  }
  if (request.generation_tokens > 1) {
    instruments.Observe(
        Metric::kTimePerOutputToken,
        request.decode_seconds / static_cast<double>(request.generation_tokens - 1));
  }
}

void EngineMetrics::RecordKvCacheUsage(double usage, int64_t used_tokens) {
  instruments_->Set(Metric::kKvCacheUsage, usage);
  instruments_->Set(Metric::kKvCacheUsedTokens, static_cast<double>(used_tokens));
}

void EngineMetrics::RecordKvTransfer(double seconds, int64_t bytes) {
  instruments_->Observe(Metric::kKvTransferTime, seconds);
  instruments_->Observe(Metric::kKvTransferBytes, static_cast<double>(bytes));
}

void EngineMetrics::RecordKvTransferFailure() {
  instruments_->Increment(Metric::kKvTransferFailures);
}

void EngineMetrics::RecordKvExpired() { instruments_->Increment(Metric::kKvExpiredRequests); }

void EngineMetrics::RecordError() { instruments_->Increment(Metric::kAbortedRequests); }

std::string EngineMetrics::Serialize() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace tessera::simulator
