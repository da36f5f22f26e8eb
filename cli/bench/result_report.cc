#include "cli/bench/result_report.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "cli/bench/result_block.h"

namespace tessera::bench {
namespace {

struct MetricName {
  const char* key;     // "ttft"
  const char* header;  // "Time to First Token"
  const char* label;   // "TTFT"
};

constexpr std::array<MetricName, 4> kMetrics = {{
    {"ttft", "Time to First Token", "TTFT"},
    {"tpot", "Time per Output Token (excl. 1st token)", "TPOT"},
    {"itl", "Inter-token Latency", "ITL"},
    {"e2el", "End-to-end Latency", "E2EL"},
}};

const LatencySummary& SummaryOf(const BenchmarkMetrics& metrics, std::string_view key) {
  if (key == "ttft") return metrics.ttft;
  if (key == "tpot") return metrics.tpot;
  if (key == "itl") return metrics.itl;
  return metrics.e2el;
}

bool Selected(const RunDescription& run, std::string_view key) {
  return std::find(run.percentile_metrics.begin(), run.percentile_metrics.end(), key) !=
         run.percentile_metrics.end();
}

}  // namespace

std::string FormatResultBlock(const BenchmarkMetrics& metrics, const RunDescription& run) {
  std::string block = ResultBlockRule(" Serving Benchmark Result ", '=');
  block += ResultBlockLine("Successful requests:", std::to_string(metrics.completed));
  block += ResultBlockLine("Failed requests:", std::to_string(metrics.failed));
  if (run.max_concurrency) {
    block += ResultBlockLine("Maximum request concurrency:", std::to_string(*run.max_concurrency));
  }
  if (std::isfinite(run.request_rate)) {
    block += ResultBlockLine("Request rate configured (RPS):", run.request_rate);
  }
  block += ResultBlockLine("Benchmark duration (s):", metrics.duration_seconds);
  block += ResultBlockLine("Total input tokens:", std::to_string(metrics.total_input));
  block += ResultBlockLine("Total generated tokens:", std::to_string(metrics.total_output));
  block += ResultBlockLine("Request throughput (req/s):", metrics.request_throughput);
  if (metrics.request_goodput)
    block += ResultBlockLine("Request goodput (req/s):", *metrics.request_goodput);
  block += ResultBlockLine("Output token throughput (tok/s):", metrics.output_throughput);
  block +=
      ResultBlockLine("Peak output token throughput (tok/s):", metrics.max_output_tokens_per_s);
  block += ResultBlockLine("Peak concurrent requests:", metrics.max_concurrent_requests);
  block += ResultBlockLine("Total token throughput (tok/s):", metrics.total_token_throughput);
  for (const MetricName& metric : kMetrics) {
    if (!Selected(run, metric.key)) continue;
    const LatencySummary& summary = SummaryOf(metrics, metric.key);
    const std::string label = metric.label;
    block += ResultBlockRule(metric.header, '-');
    block += ResultBlockLine("Mean " + label + " (ms):", summary.mean_ms);
    block += ResultBlockLine("Median " + label + " (ms):", summary.median_ms);
    for (const auto& [percentile, value] : summary.percentiles_ms) {
      block += ResultBlockLine("P" + PercentileLabel(percentile) + " " + label + " (ms):", value);
    }
  }
  block += std::string(kResultBlockWidth, '=') + "\n";
  return block + FormatFailures(metrics);
}

std::string FormatFailures(const BenchmarkMetrics& metrics) {
  if (metrics.errors.empty()) return "";
  std::string text = "Failed requests by reason:\n";
  for (const auto& [reason, count] : metrics.errors) {
    text += "  " + std::to_string(count) + " × " + reason + "\n";
  }
  return text;
}

PerRequestLists PerRequestListsOf(const std::vector<RequestOutcome>& outcomes,
                                  bool failed_output_is_zero) {
  PerRequestLists lists;
  for (const RequestOutcome& outcome : outcomes) {
    lists.input_lens.push_back(outcome.prompt_len);
    lists.output_lens.push_back(failed_output_is_zero && !outcome.success ? 0
                                                                          : outcome.output_tokens);
    lists.ttfts.push_back(outcome.ttft);
    lists.itls.push_back(outcome.itl);
    lists.latencies.push_back(outcome.latency);
    lists.start_times.push_back(outcome.start_time);
    lists.generated_texts.push_back(outcome.generated_text);
    lists.errors.push_back(outcome.error);
  }
  return lists;
}

nlohmann::ordered_json ResultJson(const BenchmarkMetrics& metrics,
                                  const std::vector<RequestOutcome>& outcomes,
                                  const RunDescription& run) {
  using json = nlohmann::ordered_json;
  json result = {
      {"date", run.date},
      {"backend", run.backend},
      {"model_id", run.model},
      {"tokenizer_id", run.tokenizer},
      {"base_url", run.base_url},
      {"endpoint", run.endpoint},
      {"dataset_name", run.dataset_name},
      {"num_prompts", run.num_prompts},
      // JSON has no infinity; vLLM writes the string "inf".
      {"request_rate", std::isfinite(run.request_rate) ? json(run.request_rate) : json("inf")},
      {"burstiness", run.burstiness},
      {"max_concurrency", run.max_concurrency ? json(*run.max_concurrency) : json(nullptr)},
      {"duration", metrics.duration_seconds},
      {"completed", metrics.completed},
      {"failed", metrics.failed},
      {"total_input_tokens", metrics.total_input},
      {"total_output_tokens", metrics.total_output},
      {"request_throughput", metrics.request_throughput},
      {"request_goodput", metrics.request_goodput ? json(*metrics.request_goodput) : json(nullptr)},
      {"request_goodput:",
       metrics.request_goodput ? json(*metrics.request_goodput) : json(nullptr)},
      {"output_throughput", metrics.output_throughput},
      {"total_token_throughput", metrics.total_token_throughput},
      {"max_output_tokens_per_s", metrics.max_output_tokens_per_s},
      {"max_concurrent_requests", metrics.max_concurrent_requests},
  };
  for (const MetricName& metric : kMetrics) {
    const LatencySummary& summary = SummaryOf(metrics, metric.key);
    const std::string key = metric.key;
    result["mean_" + key + "_ms"] = summary.mean_ms;
    result["median_" + key + "_ms"] = summary.median_ms;
    result["std_" + key + "_ms"] = summary.std_ms;
    for (const auto& [percentile, value] : summary.percentiles_ms) {
      result["p" + PercentileLabel(percentile) + "_" + key + "_ms"] = value;
    }
  }
  PerRequestLists lists = PerRequestListsOf(outcomes, /*failed_output_is_zero=*/false);
  result["input_lens"] = std::move(lists.input_lens);
  result["output_lens"] = std::move(lists.output_lens);
  result["ttfts"] = std::move(lists.ttfts);
  result["itls"] = std::move(lists.itls);
  result["latencies"] = std::move(lists.latencies);
  result["start_times"] = std::move(lists.start_times);
  result["generated_texts"] = std::move(lists.generated_texts);
  result["errors"] = std::move(lists.errors);
  return result;
}

}  // namespace tessera::bench
