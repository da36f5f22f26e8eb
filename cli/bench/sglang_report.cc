#include "cli/bench/sglang_report.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "base/statistics.h"
#include "cli/bench/result_block.h"
#include "engine/tokenizer/tokenizer.h"

namespace tessera::bench {
namespace {

using json = nlohmann::ordered_json;

std::vector<double> Milliseconds(const std::vector<double>& seconds) {
  std::vector<double> milliseconds(seconds.size());
  std::transform(seconds.begin(), seconds.end(), milliseconds.begin(),
                 [](double value) { return value * 1000; });
  return milliseconds;
}

}  // namespace

SglangFigures CalculateSglangFigures(const std::vector<RequestOutcome>& outcomes,
                                     const BenchmarkMetrics& metrics,
                                     const tokenizer::Tokenizer& tokenizer) {
  SglangFigures figures;
  std::vector<double> ttfts;
  std::vector<double> tpots;
  std::vector<double> itls;
  std::vector<double> latencies;
  for (const RequestOutcome& outcome : outcomes) {
    if (!outcome.success) continue;
    figures.total_output_retokenized += tokenizer.CountTokens(outcome.generated_text);
    ttfts.push_back(outcome.ttft);
    // SGLang, like vLLM, has no TPOT for a request of one token.
    if (outcome.output_tokens > 1) tpots.push_back(TimePerOutputToken(outcome));
    itls.insert(itls.end(), outcome.itl.begin(), outcome.itl.end());
    latencies.push_back(outcome.latency);
  }
  const std::vector<double> itl_ms = Milliseconds(itls);
  figures.p99_ttft_ms = Percentile(Milliseconds(ttfts), 99);
  figures.p99_tpot_ms = Percentile(Milliseconds(tpots), 99);
  figures.p95_itl_ms = Percentile(itl_ms, 95);
  figures.p99_itl_ms = Percentile(itl_ms, 99);
  figures.max_itl_ms = itl_ms.empty() ? 0 : *std::max_element(itl_ms.begin(), itl_ms.end());
  figures.p99_e2e_latency_ms = Percentile(Milliseconds(latencies), 99);
  if (metrics.duration_seconds > 0) {
    figures.input_throughput = static_cast<double>(metrics.total_input) / metrics.duration_seconds;
    double latency_sum = 0;
    for (const double latency : latencies) latency_sum += latency;
    figures.concurrency = latency_sum / metrics.duration_seconds;
  }
  return figures;
}

std::optional<double> AcceptLengthFromServerInfo(const nlohmann::json& server_info) {
  const auto read = [](const nlohmann::json& node) -> std::optional<double> {
    if (!node.is_object()) return std::nullopt;
    const auto it = node.find("avg_spec_accept_length");
    if (it == node.end() || !it->is_number()) return std::nullopt;
    return it->get<double>();
  };
  if (std::optional<double> top = read(server_info)) return top;
  if (server_info.is_object() && server_info.contains("decode") &&
      server_info["decode"].is_array() && !server_info["decode"].empty()) {
    return read(server_info["decode"][0]);
  }
  return std::nullopt;
}

std::string PythonFloat(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  // repr(): the shortest digits that read back as the same double.
  std::array<char, 64> text{};
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(text.data(), text.size(), "%.*g", precision, value);
    if (std::strtod(text.data(), nullptr) == value) break;
  }
  std::string result = text.data();
  if (result.find_first_of(".en") == std::string::npos) result += ".0";
  return result;
}

std::string FormatSglangResultBlock(const BenchmarkMetrics& metrics, const SglangFigures& figures,
                                    const RunDescription& run) {
  std::string block = "\n" + ResultBlockRule(" Serving Benchmark Result ", '=');
  block += ResultBlockLine("Backend:", run.backend);
  block += ResultBlockLine("Traffic request rate:", PythonFloat(run.request_rate));
  block += ResultBlockLine("Max reqeuest concurrency:",
                           run.max_concurrency ? std::to_string(*run.max_concurrency) : "not set");
  block += ResultBlockLine("Successful requests:", std::to_string(metrics.completed));
  block += ResultBlockLine("Benchmark duration (s):", metrics.duration_seconds);
  block += ResultBlockLine("Total input tokens:", std::to_string(metrics.total_input));
  block += ResultBlockLine("Total generated tokens:", std::to_string(metrics.total_output));
  block += ResultBlockLine("Total generated tokens (retokenized):",
                           std::to_string(figures.total_output_retokenized));
  block += ResultBlockLine("Request throughput (req/s):", metrics.request_throughput);
  block += ResultBlockLine("Input token throughput (tok/s):", figures.input_throughput);
  block += ResultBlockLine("Output token throughput (tok/s):", metrics.output_throughput);
  block += ResultBlockLine("Total token throughput (tok/s):", metrics.total_token_throughput);
  block += ResultBlockLine("Concurrency:", figures.concurrency);
  // SGLang prints it only when it is known and not zero.
  if (figures.accept_length && *figures.accept_length != 0) {
    block += ResultBlockLine("Accept length:", *figures.accept_length);
  }
  block += ResultBlockRule("End-to-End Latency", '-');
  block += ResultBlockLine("Mean E2E Latency (ms):", metrics.e2el.mean_ms);
  block += ResultBlockLine("Median E2E Latency (ms):", metrics.e2el.median_ms);
  block += ResultBlockRule("Time to First Token", '-');
  block += ResultBlockLine("Mean TTFT (ms):", metrics.ttft.mean_ms);
  block += ResultBlockLine("Median TTFT (ms):", metrics.ttft.median_ms);
  block += ResultBlockLine("P99 TTFT (ms):", figures.p99_ttft_ms);
  block += ResultBlockRule("Inter-Token Latency", '-');
  block += ResultBlockLine("Mean ITL (ms):", metrics.itl.mean_ms);
  block += ResultBlockLine("Median ITL (ms):", metrics.itl.median_ms);
  block += ResultBlockLine("P95 ITL (ms):", figures.p95_itl_ms);
  block += ResultBlockLine("P99 ITL (ms):", figures.p99_itl_ms);
  block += ResultBlockLine("Max ITL (ms):", figures.max_itl_ms);
  block += std::string(kResultBlockWidth, '=') + "\n";
  return block + FormatFailures(metrics);
}

json SglangResultJson(const BenchmarkMetrics& metrics, const SglangFigures& figures,
                      const std::vector<RequestOutcome>& outcomes, const RunDescription& run) {
  json result = {
      {"backend", run.backend},
      {"dataset_name", run.dataset_name},
      {"request_rate", std::isfinite(run.request_rate) ? json(run.request_rate) : json("inf")},
      {"max_concurrency", run.max_concurrency ? json(*run.max_concurrency) : json(nullptr)},
      {"sharegpt_output_len",
       run.sharegpt_output_len ? json(*run.sharegpt_output_len) : json(nullptr)},
      {"random_input_len", run.random_input_len},
      {"random_output_len", run.random_output_len},
      {"random_range_ratio", run.random_range_ratio},
      {"duration", metrics.duration_seconds},
      {"completed", metrics.completed},
      {"total_input_tokens", metrics.total_input},
      {"total_output_tokens", metrics.total_output},
      {"total_output_tokens_retokenized", figures.total_output_retokenized},
      {"request_throughput", metrics.request_throughput},
      {"input_throughput", figures.input_throughput},
      {"output_throughput", metrics.output_throughput},
      {"mean_e2e_latency_ms", metrics.e2el.mean_ms},
      {"median_e2e_latency_ms", metrics.e2el.median_ms},
      {"std_e2e_latency_ms", metrics.e2el.std_ms},
      {"p99_e2e_latency_ms", figures.p99_e2e_latency_ms},
      {"mean_ttft_ms", metrics.ttft.mean_ms},
      {"median_ttft_ms", metrics.ttft.median_ms},
      {"std_ttft_ms", metrics.ttft.std_ms},
      {"p99_ttft_ms", figures.p99_ttft_ms},
      {"mean_tpot_ms", metrics.tpot.mean_ms},
      {"median_tpot_ms", metrics.tpot.median_ms},
      {"std_tpot_ms", metrics.tpot.std_ms},
      {"p99_tpot_ms", figures.p99_tpot_ms},
      {"mean_itl_ms", metrics.itl.mean_ms},
      {"median_itl_ms", metrics.itl.median_ms},
      {"std_itl_ms", metrics.itl.std_ms},
      {"p95_itl_ms", figures.p95_itl_ms},
      {"p99_itl_ms", figures.p99_itl_ms},
      {"concurrency", figures.concurrency},
      {"accept_length", figures.accept_length ? json(*figures.accept_length) : json(nullptr)},
  };
  PerRequestLists lists = PerRequestListsOf(outcomes, /*failed_output_is_zero=*/true);
  result["input_lens"] = std::move(lists.input_lens);
  result["output_lens"] = std::move(lists.output_lens);
  result["ttfts"] = std::move(lists.ttfts);
  result["itls"] = std::move(lists.itls);
  result["generated_texts"] = std::move(lists.generated_texts);
  result["errors"] = std::move(lists.errors);
  result["failed"] = metrics.failed;
  result["model_id"] = run.model;
  result["tokenizer_id"] = run.tokenizer;
  result["date"] = run.date;
  result["latencies"] = std::move(lists.latencies);
  result["start_times"] = std::move(lists.start_times);
  return result;
}

}  // namespace tessera::bench
