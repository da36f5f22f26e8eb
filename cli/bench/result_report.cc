#include "cli/bench/result_report.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace tessera::bench {
namespace {

constexpr int kWidth = 50;

// Python's "{s:{c}^{n}}".format(...): extra padding goes to the right.
std::string Centered(const std::string& text, char fill) {
  const int padding = std::max(0, kWidth - static_cast<int>(text.size()));
  return std::string(static_cast<size_t>(padding / 2), fill) + text +
         std::string(static_cast<size_t>(padding - padding / 2), fill) + "\n";
}

// "{:<40} {:<10}".
std::string Line(const std::string& label, const std::string& value) {
  std::array<char, 256> text{};
  std::snprintf(text.data(), text.size(), "%-40s %-10s\n", label.c_str(), value.c_str());
  return text.data();
}

// "{:<40} {:<10.2f}".
std::string Line(const std::string& label, double value) {
  std::array<char, 64> number{};
  std::snprintf(number.data(), number.size(), "%.2f", value);
  return Line(label, std::string(number.data()));
}

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
  std::string block = Centered(" Serving Benchmark Result ", '=');
  block += Line("Successful requests:", std::to_string(metrics.completed));
  block += Line("Failed requests:", std::to_string(metrics.failed));
  if (run.max_concurrency) {
    block += Line("Maximum request concurrency:", std::to_string(*run.max_concurrency));
  }
  if (std::isfinite(run.request_rate)) {
    block += Line("Request rate configured (RPS):", run.request_rate);
  }
  block += Line("Benchmark duration (s):", metrics.duration_seconds);
  block += Line("Total input tokens:", std::to_string(metrics.total_input));
  block += Line("Total generated tokens:", std::to_string(metrics.total_output));
  block += Line("Request throughput (req/s):", metrics.request_throughput);
  if (metrics.request_goodput) block += Line("Request goodput (req/s):", *metrics.request_goodput);
  block += Line("Output token throughput (tok/s):", metrics.output_throughput);
  block += Line("Peak output token throughput (tok/s):", metrics.max_output_tokens_per_s);
  block += Line("Peak concurrent requests:", metrics.max_concurrent_requests);
  block += Line("Total token throughput (tok/s):", metrics.total_token_throughput);
  for (const MetricName& metric : kMetrics) {
    if (!Selected(run, metric.key)) continue;
    const LatencySummary& summary = SummaryOf(metrics, metric.key);
    const std::string label = metric.label;
    block += Centered(metric.header, '-');
    block += Line("Mean " + label + " (ms):", summary.mean_ms);
    block += Line("Median " + label + " (ms):", summary.median_ms);
    for (const auto& [percentile, value] : summary.percentiles_ms) {
      block += Line("P" + PercentileLabel(percentile) + " " + label + " (ms):", value);
    }
  }
  block += std::string(kWidth, '=') + "\n";
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

nlohmann::ordered_json ResultJson(const BenchmarkMetrics& metrics,
                                  const std::vector<RequestOutcome>& outcomes,
                                  const RunDescription& run) {
  using json = nlohmann::ordered_json;
  json result = {
      {"date", run.date},
      {"backend", run.backend},
      {"model_id", run.model},
      {"tokenizer_id", "tessera-stand-in"},
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
  json input_lens = json::array();
  json output_lens = json::array();
  json ttfts = json::array();
  json itls = json::array();
  json latencies = json::array();
  json start_times = json::array();
  json generated_texts = json::array();
  json errors = json::array();
  for (const RequestOutcome& outcome : outcomes) {
    input_lens.push_back(outcome.prompt_len);
    output_lens.push_back(outcome.output_tokens);
    ttfts.push_back(outcome.ttft);
    itls.push_back(outcome.itl);
    latencies.push_back(outcome.latency);
    start_times.push_back(outcome.start_time);
    generated_texts.push_back(outcome.generated_text);
    errors.push_back(outcome.error);
  }
  result["input_lens"] = std::move(input_lens);
  result["output_lens"] = std::move(output_lens);
  result["ttfts"] = std::move(ttfts);
  result["itls"] = std::move(itls);
  result["latencies"] = std::move(latencies);
  result["start_times"] = std::move(start_times);
  result["generated_texts"] = std::move(generated_texts);
  result["errors"] = std::move(errors);
  return result;
}

}  // namespace tessera::bench
