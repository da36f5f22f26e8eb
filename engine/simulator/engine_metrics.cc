#include "engine/simulator/engine_metrics.h"

#include <array>
#include <map>
#include <span>
#include <sstream>
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

Histogram::BucketBoundaries Buckets(std::span<const double> bounds) {
  return {bounds.begin(), bounds.end()};
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

prometheus::Gauge& AddGauge(prometheus::Registry& registry, const std::string& name,
                            const std::string& help, const Labels& labels) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add(labels);
}

prometheus::Counter& AddCounter(prometheus::Registry& registry, const std::string& name,
                                const std::string& help, const Labels& labels) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add(labels);
}

Histogram& AddHistogram(prometheus::Registry& registry, const std::string& name,
                        const std::string& help, const Labels& labels,
                        const Histogram::BucketBoundaries& buckets) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(registry).Add(labels, buckets);
}

}  // namespace

// Pointers into the registry, which owns the instruments. Null where the
// flavor has no such metric.
struct EngineMetrics::Instruments {
  Flavor flavor = Flavor::kVllm;
  prometheus::Gauge* running = nullptr;
  prometheus::Gauge* waiting = nullptr;
  prometheus::Gauge* kv_usage = nullptr;
  prometheus::Gauge* used_tokens = nullptr;
  prometheus::Gauge* generation_throughput = nullptr;
  prometheus::Gauge* cache_hit_rate = nullptr;
  prometheus::Counter* prefix_queries = nullptr;
  prometheus::Counter* prefix_hits = nullptr;
  prometheus::Counter* preemptions = nullptr;
  prometheus::Counter* prompt_tokens = nullptr;
  prometheus::Counter* generation_tokens = nullptr;
  prometheus::Counter* cached_tokens = nullptr;
  prometheus::Counter* requests = nullptr;
  prometheus::Counter* aborted = nullptr;
  std::map<FinishReason, prometheus::Counter*> success;
  Histogram* ttft = nullptr;
  Histogram* itl = nullptr;
  Histogram* e2e = nullptr;
  Histogram* queue = nullptr;
  Histogram* prefill = nullptr;
  Histogram* decode = nullptr;
  Histogram* inference = nullptr;
  Histogram* tpot = nullptr;
  Histogram* prompt_histogram = nullptr;
  Histogram* generation_histogram = nullptr;
  Histogram* max_tokens = nullptr;
  Histogram* iteration_tokens = nullptr;
  int64_t reported_queries = 0;
  int64_t reported_hits = 0;
  int64_t reported_preemptions = 0;
};

EngineMetrics::EngineMetrics(Flavor flavor, const std::string& model_name, int64_t max_model_len,
                             int64_t max_total_tokens)
    : registry_(std::make_shared<prometheus::Registry>()),
      instruments_(std::make_unique<Instruments>()) {
  prometheus::Registry& r = *registry_;
  Instruments& m = *instruments_;
  m.flavor = flavor;
  if (flavor == Flavor::kVllm) {
    const Labels labels = {{"model_name", model_name}, {"engine", "0"}};
    m.running = &AddGauge(r, "vllm:num_requests_running",
                          "Number of requests in model execution batches.", labels);
    m.waiting = &AddGauge(r, "vllm:num_requests_waiting",
                          "Number of requests waiting to be processed.", labels);
    m.kv_usage = &AddGauge(r, "vllm:kv_cache_usage_perc",
                           "KV-cache usage. 1 means 100 percent usage.", labels);
    m.prefix_queries =
        &AddCounter(r, "vllm:prefix_cache_queries_total",
                    "Prefix cache queries, in terms of number of queried tokens.", labels);
    m.prefix_hits = &AddCounter(r, "vllm:prefix_cache_hits_total",
                                "Prefix cache hits, in terms of number of cached tokens.", labels);
    m.preemptions = &AddCounter(r, "vllm:num_preemptions_total",
                                "Cumulative number of preemption from the engine.", labels);
    m.prompt_tokens =
        &AddCounter(r, "vllm:prompt_tokens_total", "Number of prefill tokens processed.", labels);
    m.generation_tokens = &AddCounter(r, "vllm:generation_tokens_total",
                                      "Number of generation tokens processed.", labels);
    auto& success = prometheus::BuildCounter()
                        .Name("vllm:request_success_total")
                        .Help("Count of successfully processed requests.")
                        .Register(r);
    for (FinishReason reason : {FinishReason::kStop, FinishReason::kLength, FinishReason::kAbort}) {
      Labels with_reason = labels;
      with_reason["finished_reason"] = std::string(FinishReasonLabel(reason));
      m.success[reason] = &success.Add(with_reason);
    }
    m.ttft =
        &AddHistogram(r, "vllm:time_to_first_token_seconds",
                      "Histogram of time to first token in seconds.", labels, Buckets(kVllmTtft));
    m.itl =
        &AddHistogram(r, "vllm:inter_token_latency_seconds",
                      "Histogram of inter-token latency in seconds.", labels, Buckets(kVllmItl));
    m.tpot = &AddHistogram(r, "vllm:request_time_per_output_token_seconds",
                           "Histogram of time_per_output_token_seconds per request.", labels,
                           Buckets(kVllmItl));
    m.e2e = &AddHistogram(r, "vllm:e2e_request_latency_seconds",
                          "Histogram of e2e request latency in seconds.", labels,
                          Buckets(kVllmRequestTime));
    m.queue = &AddHistogram(r, "vllm:request_queue_time_seconds",
                            "Histogram of time spent in WAITING phase for request.", labels,
                            Buckets(kVllmRequestTime));
    m.inference = &AddHistogram(r, "vllm:request_inference_time_seconds",
                                "Histogram of time spent in RUNNING phase for request.", labels,
                                Buckets(kVllmRequestTime));
    m.prefill = &AddHistogram(r, "vllm:request_prefill_time_seconds",
                              "Histogram of time spent in PREFILL phase for request.", labels,
                              Buckets(kVllmRequestTime));
    m.decode = &AddHistogram(r, "vllm:request_decode_time_seconds",
                             "Histogram of time spent in DECODE phase for request.", labels,
                             Buckets(kVllmRequestTime));
    m.prompt_histogram =
        &AddHistogram(r, "vllm:request_prompt_tokens", "Number of prefill tokens processed.",
                      labels, OneTwoFive(max_model_len));
    m.generation_histogram =
        &AddHistogram(r, "vllm:request_generation_tokens", "Number of generation tokens processed.",
                      labels, OneTwoFive(max_model_len));
    m.max_tokens = &AddHistogram(r, "vllm:request_params_max_tokens",
                                 "Histogram of the max_tokens request parameter.", labels,
                                 OneTwoFive(max_model_len));
    m.iteration_tokens = &AddHistogram(r, "vllm:iteration_tokens_total",
                                       "Histogram of number of tokens per engine_step.", labels,
                                       Buckets(kVllmIterationTokens));
    return;
  }
  const Labels labels = {{"model_name", model_name},
                         {"engine_type", "unified"},
                         {"tp_rank", "0"},
                         {"pp_rank", "0"},
                         {"moe_ep_rank", "0"}};
  const Labels request_labels = {{"model_name", model_name}};
  m.running = &AddGauge(r, "sglang:num_running_reqs", "The number of running requests.", labels);
  m.waiting =
      &AddGauge(r, "sglang:num_queue_reqs", "The number of requests in the waiting queue.", labels);
  m.kv_usage = &AddGauge(r, "sglang:token_usage", "The token usage.", labels);
  m.used_tokens = &AddGauge(r, "sglang:num_used_tokens", "The number of used tokens.", labels);
  m.generation_throughput =
      &AddGauge(r, "sglang:gen_throughput", "The generation throughput (token/s).", labels);
  m.cache_hit_rate = &AddGauge(r, "sglang:cache_hit_rate", "The prefix cache hit rate.", labels);
  AddGauge(r, "sglang:max_total_num_tokens", "Maximum total number of tokens in the KV cache pool.",
           labels)
      .Set(static_cast<double>(max_total_tokens));
  m.prompt_tokens = &AddCounter(r, "sglang:prompt_tokens_total",
                                "Number of prefill tokens processed.", request_labels);
  m.generation_tokens = &AddCounter(r, "sglang:generation_tokens_total",
                                    "Number of generation tokens processed.", request_labels);
  m.cached_tokens = &AddCounter(r, "sglang:cached_tokens_total", "Number of cached prompt tokens.",
                                request_labels);
  m.requests =
      &AddCounter(r, "sglang:num_requests_total", "Number of requests processed.", request_labels);
  m.aborted = &AddCounter(r, "sglang:num_aborted_requests_total", "Number of requests aborted.",
                          request_labels);
  m.ttft = &AddHistogram(r, "sglang:time_to_first_token_seconds",
                         "Histogram of time to first token in seconds.", request_labels,
                         Buckets(kSglangTtft));
  m.itl = &AddHistogram(r, "sglang:inter_token_latency_seconds",
                        "Histogram of inter-token latency in seconds.", request_labels,
                        Buckets(kSglangItl));
  m.e2e = &AddHistogram(r, "sglang:e2e_request_latency_seconds",
                        "Histogram of End-to-end request latency in seconds", request_labels,
                        Buckets(kSglangE2e));
  m.queue = &AddHistogram(r, "sglang:queue_time_seconds", "Histogram of queueing time in seconds.",
                          labels, Buckets(kSglangQueue));
}

EngineMetrics::~EngineMetrics() = default;

void EngineMetrics::RecordStep(const StepMetrics& step) {
  Instruments& m = *instruments_;
  m.running->Set(static_cast<double>(step.running));
  m.waiting->Set(static_cast<double>(step.waiting));
  m.kv_usage->Set(step.kv_cache_usage);
  if (m.used_tokens != nullptr) m.used_tokens->Set(static_cast<double>(step.kv_cache_used_tokens));
  if (m.generation_throughput != nullptr) m.generation_throughput->Set(step.generation_throughput);
  if (m.cache_hit_rate != nullptr && step.prefix_query_tokens > 0) {
    m.cache_hit_rate->Set(static_cast<double>(step.prefix_hit_tokens) /
                          static_cast<double>(step.prefix_query_tokens));
  }
  if (m.prefix_queries != nullptr) {
    m.prefix_queries->Increment(static_cast<double>(step.prefix_query_tokens - m.reported_queries));
    m.prefix_hits->Increment(static_cast<double>(step.prefix_hit_tokens - m.reported_hits));
  }
  if (m.preemptions != nullptr) {
    m.preemptions->Increment(static_cast<double>(step.preemptions - m.reported_preemptions));
  }
  m.reported_queries = step.prefix_query_tokens;
  m.reported_hits = step.prefix_hit_tokens;
  m.reported_preemptions = step.preemptions;
  if (m.iteration_tokens != nullptr && step.iteration_tokens > 0) {
    m.iteration_tokens->Observe(static_cast<double>(step.iteration_tokens));
  }
}

void EngineMetrics::RecordFirstToken(double seconds) { instruments_->ttft->Observe(seconds); }

void EngineMetrics::RecordInterTokenLatency(double seconds) { instruments_->itl->Observe(seconds); }

void EngineMetrics::RecordFinished(const FinishedRequestMetrics& request) {
  Instruments& m = *instruments_;
  m.prompt_tokens->Increment(static_cast<double>(request.prompt_tokens));
  m.generation_tokens->Increment(static_cast<double>(request.generation_tokens));
  m.e2e->Observe(request.e2e_seconds);
  m.queue->Observe(request.queue_seconds);
  if (m.flavor == Flavor::kSglang) {
    m.requests->Increment();
    m.cached_tokens->Increment(static_cast<double>(request.cached_prompt_tokens));
    if (request.finish == FinishReason::kAbort) m.aborted->Increment();
    return;
  }
  m.success.at(request.finish == FinishReason::kNone ? FinishReason::kLength : request.finish)
      ->Increment();
  m.prefill->Observe(request.prefill_seconds);
  m.decode->Observe(request.decode_seconds);
  m.inference->Observe(request.prefill_seconds + request.decode_seconds);
  m.prompt_histogram->Observe(static_cast<double>(request.prompt_tokens));
  m.generation_histogram->Observe(static_cast<double>(request.generation_tokens));
  if (request.max_tokens > 0) m.max_tokens->Observe(static_cast<double>(request.max_tokens));
  if (request.generation_tokens > 1) {
    m.tpot->Observe(request.decode_seconds / static_cast<double>(request.generation_tokens - 1));
  }
}

void EngineMetrics::RecordError() {
  if (instruments_->aborted != nullptr) instruments_->aborted->Increment();
}

std::string EngineMetrics::Serialize() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace tessera::simulator
