#include "cli/bench/sglang_report.h"

#include <cmath>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/tokenizer/stand_in_tokenizer.h"

namespace tessera::bench {
namespace {

using ::testing::HasSubstr;

BenchmarkMetrics SomeMetrics() {
  BenchmarkMetrics metrics;
  metrics.completed = 1000;
  metrics.duration_seconds = 63.81;
  metrics.total_input = 216000;
  metrics.total_output = 187000;
  metrics.request_throughput = 15.67;
  metrics.output_throughput = 2993.85;
  metrics.total_token_throughput = 6378.5;
  metrics.ttft = {.mean_ms = 564.63, .median_ms = 363.05, .std_ms = 1};
  metrics.tpot = {.mean_ms = 20.5, .median_ms = 19.25, .std_ms = 2};
  metrics.itl = {.mean_ms = 21.5, .median_ms = 18.25, .std_ms = 3};
  metrics.e2el = {.mean_ms = 4200.25, .median_ms = 4100.5, .std_ms = 4};
  return metrics;
}

SglangFigures SomeFigures() {
  return {.total_output_retokenized = 186950,
          .input_throughput = 3385.05,
          .p99_ttft_ms = 2300.5,
          .p99_tpot_ms = 40.25,
          .p95_itl_ms = 45.5,
          .p99_itl_ms = 120.75,
          .max_itl_ms = 900.126,
          .p99_e2e_latency_ms = 9000.5,
          .concurrency = 65.82,
          .accept_length = std::nullopt};
}

TEST(SglangReportTest, BlockMatchesSglangLineForLine) {
  RunDescription run;
  run.backend = "sglang";
  run.request_rate = INFINITY;
  const std::string block = FormatSglangResultBlock(SomeMetrics(), SomeFigures(), run);
  EXPECT_EQ(block,
            "\n"
            "============ Serving Benchmark Result ============\n"
            "Backend:                                 sglang    \n"
            "Traffic request rate:                    inf       \n"
            "Max reqeuest concurrency:                not set   \n"
            "Successful requests:                     1000      \n"
            "Benchmark duration (s):                  63.81     \n"
            "Total input tokens:                      216000    \n"
            "Total generated tokens:                  187000    \n"
            "Total generated tokens (retokenized):    186950    \n"
            "Request throughput (req/s):              15.67     \n"
            "Input token throughput (tok/s):          3385.05   \n"
            "Output token throughput (tok/s):         2993.85   \n"
            "Total token throughput (tok/s):          6378.50   \n"
            "Concurrency:                             65.82     \n"
            "----------------End-to-End Latency----------------\n"
            "Mean E2E Latency (ms):                   4200.25   \n"
            "Median E2E Latency (ms):                 4100.50   \n"
            "---------------Time to First Token----------------\n"
            "Mean TTFT (ms):                          564.63    \n"
            "Median TTFT (ms):                        363.05    \n"
            "P99 TTFT (ms):                           2300.50   \n"
            "---------------Inter-Token Latency----------------\n"
            "Mean ITL (ms):                           21.50     \n"
            "Median ITL (ms):                         18.25     \n"
            "P95 ITL (ms):                            45.50     \n"
            "P99 ITL (ms):                            120.75    \n"
            "Max ITL (ms):                            900.13    \n"
            "==================================================\n");
}

TEST(SglangReportTest, BlockShowsRateConcurrencyAcceptLengthAndFailuresWhenThereAreAny) {
  BenchmarkMetrics metrics = SomeMetrics();
  metrics.failed = 2;
  metrics.errors = {{"HTTP 500: injected failure", 2}};
  SglangFigures figures = SomeFigures();
  figures.accept_length = 2.75;
  RunDescription run;
  run.backend = "sglang";
  run.request_rate = 4;
  run.max_concurrency = 64;
  const std::string block = FormatSglangResultBlock(metrics, figures, run);
  EXPECT_THAT(block, HasSubstr("\nTraffic request rate:                    4.0       \n"));
  EXPECT_THAT(block, HasSubstr("\nMax reqeuest concurrency:                64        \n"));
  EXPECT_THAT(block, HasSubstr("\nConcurrency:                             65.82     \n"
                               "Accept length:                           2.75      \n"
                               "----------------End-to-End Latency"));
  EXPECT_THAT(block,
              HasSubstr("=\nFailed requests by reason:\n  2 × HTTP 500: injected failure\n"));
}

TEST(SglangReportTest, JsonKeySetIsSglangsThenTesserasInOrder) {
  RequestOutcome failed;
  failed.error = "HTTP 500";
  failed.output_tokens = 7;
  RunDescription run;
  run.backend = "sglang";
  run.request_rate = INFINITY;
  run.random_input_len = 1024;
  run.random_output_len = 128;
  run.random_range_ratio = 0.5;
  const nlohmann::ordered_json result =
      SglangResultJson(SomeMetrics(), SomeFigures(), {failed}, run);
  std::vector<std::string> keys;
  for (const auto& item : result.items()) keys.push_back(item.key());
  const std::vector<std::string> expected = {
      // SGLang 0.4.6's JSONL line, in its order.
      "backend", "dataset_name", "request_rate", "max_concurrency", "sharegpt_output_len",
      "random_input_len", "random_output_len", "random_range_ratio", "duration", "completed",
      "total_input_tokens", "total_output_tokens", "total_output_tokens_retokenized",
      "request_throughput", "input_throughput", "output_throughput", "mean_e2e_latency_ms",
      "median_e2e_latency_ms", "std_e2e_latency_ms", "p99_e2e_latency_ms", "mean_ttft_ms",
      "median_ttft_ms", "std_ttft_ms", "p99_ttft_ms", "mean_tpot_ms", "median_tpot_ms",
      "std_tpot_ms", "p99_tpot_ms", "mean_itl_ms", "median_itl_ms", "std_itl_ms", "p95_itl_ms",
      "p99_itl_ms", "concurrency", "accept_length",
      // What its benchmark() returns besides.
      "input_lens", "output_lens", "ttfts", "itls", "generated_texts", "errors",
      // Tessera's own.
      "failed", "model_id", "tokenizer_id", "date", "latencies", "start_times"};
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(result["request_rate"], "inf");
  EXPECT_TRUE(result["max_concurrency"].is_null());
  EXPECT_TRUE(result["sharegpt_output_len"].is_null());
  EXPECT_TRUE(result["accept_length"].is_null());
  EXPECT_EQ(result["random_range_ratio"], 0.5);
  EXPECT_EQ(result["p95_itl_ms"], 45.5);
  EXPECT_EQ(result["mean_e2e_latency_ms"], 4200.25);
  EXPECT_EQ(result["concurrency"], 65.82);
  EXPECT_EQ(result["output_lens"][0], 0);  // a failed request's, as SGLang counts it
}

TEST(SglangReportTest, FiguresAreComputedAsSglangComputesThem) {
  std::vector<RequestOutcome> outcomes(3);
  // Two successful requests of 3 and 1 tokens, and one failure.
  outcomes[0].success = true;
  outcomes[0].output_tokens = 3;
  outcomes[0].ttft = 0.1;
  outcomes[0].itl = {0.02, 0.04};
  outcomes[0].latency = 0.16;
  outcomes[0].generated_text = "a b c";
  outcomes[1].success = true;
  outcomes[1].output_tokens = 1;
  outcomes[1].ttft = 0.2;
  outcomes[1].latency = 0.2;
  outcomes[1].generated_text = "d";
  outcomes[2].error = "HTTP 500";
  outcomes[2].latency = 5;
  BenchmarkMetrics metrics;
  metrics.total_input = 30;
  metrics.duration_seconds = 0.5;
  const SglangFigures figures =
      CalculateSglangFigures(outcomes, metrics, *tokenizer::StandInTokenizer::Shared());
  EXPECT_EQ(figures.total_output_retokenized, 4);
  EXPECT_DOUBLE_EQ(figures.input_throughput, 60);
  EXPECT_DOUBLE_EQ(figures.concurrency, (0.16 + 0.2) / 0.5);  // failures are not in flight
  EXPECT_DOUBLE_EQ(figures.max_itl_ms, 40);
  EXPECT_DOUBLE_EQ(figures.p95_itl_ms, 20 + 0.95 * 20);  // linear, as numpy.percentile
  EXPECT_DOUBLE_EQ(figures.p99_tpot_ms, 30);             // only the request of more than one token
  EXPECT_DOUBLE_EQ(figures.p99_ttft_ms, 100 + 0.99 * 100);
  EXPECT_DOUBLE_EQ(figures.p99_e2e_latency_ms, 160 + 0.99 * 40);
}

TEST(SglangReportTest, NoSuccessfulRequestGivesZerosNotNan) {
  const SglangFigures figures =
      CalculateSglangFigures({}, BenchmarkMetrics{}, *tokenizer::StandInTokenizer::Shared());
  EXPECT_EQ(figures.max_itl_ms, 0);
  EXPECT_EQ(figures.p95_itl_ms, 0);
  EXPECT_EQ(figures.concurrency, 0);
}

TEST(SglangReportTest, AcceptLengthIsReadWhereSglangsClientReadsIt) {
  EXPECT_EQ(AcceptLengthFromServerInfo({{"avg_spec_accept_length", 2.5}}), 2.5);
  EXPECT_EQ(AcceptLengthFromServerInfo(
                {{"decode", nlohmann::json::array({{{"avg_spec_accept_length", 3.0}}})}}),
            3.0);
  EXPECT_EQ(AcceptLengthFromServerInfo({{"version", "0.4.6"}}), std::nullopt);
  EXPECT_EQ(AcceptLengthFromServerInfo({{"avg_spec_accept_length", nullptr}}), std::nullopt);
  EXPECT_EQ(AcceptLengthFromServerInfo(nlohmann::json::array()), std::nullopt);
}

TEST(SglangReportTest, RatesPrintAsPythonPrintsAFloat) {
  EXPECT_EQ(PythonFloat(INFINITY), "inf");
  EXPECT_EQ(PythonFloat(4), "4.0");
  EXPECT_EQ(PythonFloat(2.5), "2.5");
  EXPECT_EQ(PythonFloat(0.1), "0.1");
  EXPECT_EQ(PythonFloat(16), "16.0");
}

}  // namespace
}  // namespace tessera::bench
