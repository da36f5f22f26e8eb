#include "cli/bench/result_report.h"

#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::bench {
namespace {

using ::testing::HasSubstr;

TEST(ResultReportTest, BlockMatchesVllmLineForLine) {
  BenchmarkMetrics metrics;
  metrics.completed = 1000;
  metrics.duration_seconds = 63.81;
  metrics.total_input = 216000;
  metrics.total_output = 187000;
  metrics.request_throughput = 15.67;
  metrics.output_throughput = 2993.85;
  metrics.total_token_throughput = 6378.5;
  metrics.max_output_tokens_per_s = 3500;
  metrics.max_concurrent_requests = 128;
  metrics.ttft = {.mean_ms = 564.63, .median_ms = 363.05, .percentiles_ms = {{99, 2300.5}}};
  RunDescription run;
  run.max_concurrency = 128;
  run.request_rate = INFINITY;
  run.percentile_metrics = {"ttft"};
  const std::string block = FormatResultBlock(metrics, run);
  EXPECT_EQ(block,
            "============ Serving Benchmark Result ============\n"
            "Successful requests:                     1000      \n"
            "Failed requests:                         0         \n"
            "Maximum request concurrency:             128       \n"
            "Benchmark duration (s):                  63.81     \n"
            "Total input tokens:                      216000    \n"
            "Total generated tokens:                  187000    \n"
            "Request throughput (req/s):              15.67     \n"
            "Output token throughput (tok/s):         2993.85   \n"
            "Peak output token throughput (tok/s):    3500.00   \n"
            "Peak concurrent requests:                128.00    \n"
            "Total token throughput (tok/s):          6378.50   \n"
            "---------------Time to First Token----------------\n"
            "Mean TTFT (ms):                          564.63    \n"
            "Median TTFT (ms):                        363.05    \n"
            "P99 TTFT (ms):                           2300.50   \n"
            "==================================================\n");
}

TEST(ResultReportTest, FailuresAreListedBelowTheBlock) {
  BenchmarkMetrics metrics;
  metrics.failed = 3;
  metrics.errors = {{"HTTP 500: injected failure", 2}, {"connection refused", 1}};
  RunDescription run;
  run.request_rate = 4;
  const std::string block = FormatResultBlock(metrics, run);
  EXPECT_THAT(block, HasSubstr("Request rate configured (RPS):           4.00"));
  EXPECT_THAT(block, HasSubstr("Failed requests by reason:\n  2 × HTTP 500: injected failure\n"));
}

TEST(ResultReportTest, JsonUsesVllmKeys) {
  BenchmarkMetrics metrics;
  metrics.completed = 1;
  metrics.ttft = {.mean_ms = 10, .median_ms = 10, .std_ms = 0, .percentiles_ms = {{99.9, 10}}};
  RequestOutcome outcome;
  outcome.success = true;
  outcome.ttft = 0.01;
  outcome.itl = {0.002, 0.003};
  RunDescription run;
  run.request_rate = INFINITY;
  const nlohmann::ordered_json result = ResultJson(metrics, {outcome}, run);
  for (const char* key :
       {"completed", "failed", "duration", "total_input_tokens", "total_output_tokens",
        "request_throughput", "output_throughput", "total_token_throughput", "mean_ttft_ms",
        "median_ttft_ms", "std_ttft_ms", "p99.9_ttft_ms", "mean_tpot_ms", "mean_itl_ms",
        "mean_e2el_ms", "ttfts", "itls", "errors"}) {
    EXPECT_TRUE(result.contains(key)) << key;
  }
  EXPECT_EQ(result["request_rate"], "inf");
  EXPECT_EQ(result["itls"][0].size(), 2u);
}

std::vector<std::string> Keys(const nlohmann::ordered_json& result) {
  std::vector<std::string> keys;
  for (const auto& item : result.items()) keys.push_back(item.key());
  return keys;
}

// The whole key set in order, so a renamed or dropped key fails here.
TEST(ResultReportTest, VllmJsonKeySetIsGolden) {
  BenchmarkMetrics metrics;
  metrics.request_goodput = 3.5;
  for (LatencySummary* summary : {&metrics.ttft, &metrics.tpot, &metrics.itl, &metrics.e2el}) {
    summary->percentiles_ms = {{99, 1}};
  }
  RunDescription run;
  run.request_rate = 4;
  const nlohmann::ordered_json result = ResultJson(metrics, {}, run);
  const std::vector<std::string> expected = {"date",
                                             "backend",
                                             "model_id",
                                             "tokenizer_id",
                                             "base_url",
                                             "endpoint",
                                             "dataset_name",
                                             "num_prompts",
                                             "request_rate",
                                             "burstiness",
                                             "max_concurrency",
                                             "duration",
                                             "completed",
                                             "failed",
                                             "total_input_tokens",
                                             "total_output_tokens",
                                             "request_throughput",
                                             "request_goodput",
                                             "request_goodput:",
                                             "output_throughput",
                                             "total_token_throughput",
                                             "max_output_tokens_per_s",
                                             "max_concurrent_requests",
                                             "mean_ttft_ms",
                                             "median_ttft_ms",
                                             "std_ttft_ms",
                                             "p99_ttft_ms",
                                             "mean_tpot_ms",
                                             "median_tpot_ms",
                                             "std_tpot_ms",
                                             "p99_tpot_ms",
                                             "mean_itl_ms",
                                             "median_itl_ms",
                                             "std_itl_ms",
                                             "p99_itl_ms",
                                             "mean_e2el_ms",
                                             "median_e2el_ms",
                                             "std_e2el_ms",
                                             "p99_e2el_ms",
                                             "input_lens",
                                             "output_lens",
                                             "ttfts",
                                             "itls",
                                             "latencies",
                                             "start_times",
                                             "generated_texts",
                                             "errors"};
  EXPECT_EQ(Keys(result), expected);
}

TEST(ResultReportTest, VllmOlderGoodputSpellingCarriesTheSameValue) {
  BenchmarkMetrics metrics;
  RunDescription run;
  EXPECT_TRUE(ResultJson(metrics, {}, run)["request_goodput:"].is_null());
  metrics.request_goodput = 3.5;
  const nlohmann::ordered_json result = ResultJson(metrics, {}, run);
  EXPECT_EQ(result["request_goodput:"], 3.5);
  EXPECT_EQ(result["request_goodput"], 3.5);
}

}  // namespace
}  // namespace tessera::bench
