#include "cli/bench/benchmark_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/bench/goodput.h"

namespace tessera::bench {
namespace {

using ::testing::DoubleNear;
using ::testing::HasSubstr;

RequestOutcome Success(double start, double ttft, std::vector<double> itl, int64_t prompt_len) {
  RequestOutcome outcome;
  outcome.success = true;
  outcome.start_time = start;
  outcome.ttft = ttft;
  outcome.itl = std::move(itl);
  double latency = ttft;
  for (const double gap : outcome.itl) latency += gap;
  outcome.latency = latency;
  outcome.prompt_len = prompt_len;
  outcome.output_tokens = static_cast<int64_t>(outcome.itl.size()) + 1;
  return outcome;
}

TEST(BenchmarkMetricsTest, FollowsVllmDefinitions) {
  std::vector<RequestOutcome> outcomes = {
      Success(0.0, 0.100, {0.020, 0.020, 0.020}, 100),  // TPOT 20 ms
      Success(0.5, 0.300, {0.040, 0.040}, 50),          // TPOT 40 ms
      Success(1.0, 0.200, {}, 10),                      // one token: no TPOT
  };
  RequestOutcome failed;
  failed.error = "HTTP 500: boom";
  outcomes.push_back(failed);
  const BenchmarkMetrics metrics = CalculateMetrics(outcomes, 2.0, {50, 99}, {});
  EXPECT_EQ(metrics.completed, 3);
  EXPECT_EQ(metrics.failed, 1);
  EXPECT_EQ(metrics.errors.at("HTTP 500: boom"), 1);
  EXPECT_EQ(metrics.total_input, 160);
  EXPECT_EQ(metrics.total_output, 4 + 3 + 1);
  EXPECT_DOUBLE_EQ(metrics.request_throughput, 1.5);
  EXPECT_DOUBLE_EQ(metrics.output_throughput, 4.0);
  EXPECT_DOUBLE_EQ(metrics.total_token_throughput, 84.0);
  EXPECT_THAT(metrics.ttft.mean_ms, DoubleNear(200, 1e-9));
  EXPECT_THAT(metrics.ttft.median_ms, DoubleNear(200, 1e-9));
  EXPECT_THAT(metrics.tpot.mean_ms, DoubleNear(30, 1e-9));  // the one-token request is left out
  EXPECT_THAT(metrics.itl.mean_ms, DoubleNear((3 * 20 + 2 * 40) / 5.0, 1e-9));
  EXPECT_THAT(metrics.itl.median_ms, DoubleNear(20, 1e-9));
  // numpy.percentile([20, 20, 20, 40, 40], 99) = 40; of [20, 40], 50 -> 30.
  EXPECT_THAT(metrics.itl.percentiles_ms[1].second, DoubleNear(40, 1e-9));
  EXPECT_THAT(metrics.tpot.percentiles_ms[0].second, DoubleNear(30, 1e-9));
  EXPECT_THAT(metrics.e2el.mean_ms, DoubleNear((160 + 380 + 200) / 3.0, 1e-9));
  EXPECT_THAT(metrics.ttft.std_ms, DoubleNear(81.6496580927726, 1e-9));
  EXPECT_FALSE(metrics.request_goodput.has_value());
}

TEST(BenchmarkMetricsTest, GoodputCountsRequestsMeetingEverySlo) {
  const std::vector<RequestOutcome> outcomes = {
      Success(0.0, 0.100, {0.020, 0.020}, 10),  // meets both
      Success(0.0, 0.600, {0.020, 0.020}, 10),  // misses TTFT
      Success(0.0, 0.100, {0.090, 0.090}, 10),  // misses TPOT
      Success(0.0, 0.200, {}, 10),              // one token: TPOT counts as 0
  };
  const GoodputObjectives objectives = *ParseGoodput({"ttft:500", "tpot:50"});
  const BenchmarkMetrics metrics = CalculateMetrics(outcomes, 4.0, {99}, objectives);
  ASSERT_TRUE(metrics.request_goodput.has_value());
  EXPECT_DOUBLE_EQ(*metrics.request_goodput, 0.5);
}

TEST(BenchmarkMetricsTest, PeaksComeFromOneSecondBuckets) {
  const std::vector<RequestOutcome> outcomes = {
      Success(0.0, 0.1, {0.1, 0.1, 0.1}, 1),  // 4 tokens in second 0
      Success(0.2, 0.1, {0.1, 1.0}, 1),       // 2 in second 0, 1 in second 1
      Success(1.5, 0.1, {0.1}, 1),            // 2 in second 1
  };
  const BenchmarkMetrics metrics = CalculateMetrics(outcomes, 2.0, {99}, {});
  EXPECT_DOUBLE_EQ(metrics.max_output_tokens_per_s, 6);
  EXPECT_DOUBLE_EQ(metrics.max_concurrent_requests, 2);
}

TEST(BenchmarkMetricsTest, NoSuccessGivesZeros) {
  RequestOutcome failed;
  failed.error = "refused";
  const BenchmarkMetrics metrics = CalculateMetrics({failed, failed}, 1.0, {99}, {});
  EXPECT_EQ(metrics.completed, 0);
  EXPECT_EQ(metrics.errors.at("refused"), 2);
  EXPECT_EQ(metrics.ttft.mean_ms, 0);
  EXPECT_EQ(metrics.max_output_tokens_per_s, 0);
}

TEST(GoodputTest, ParsesAndRejects) {
  const GoodputObjectives objectives = *ParseGoodput({"ttft:500", "e2el:2000.5"});
  EXPECT_EQ(*objectives.ttft_ms, 500);
  EXPECT_EQ(*objectives.e2el_ms, 2000.5);
  EXPECT_FALSE(objectives.tpot_ms.has_value());
  EXPECT_THAT(ParseGoodput({"ttft"}).status().message(), HasSubstr("name:milliseconds"));
  EXPECT_THAT(ParseGoodput({"latency:5"}).status().message(), HasSubstr("unknown metric"));
  EXPECT_THAT(ParseGoodput({"tpot:-1"}).status().message(), HasSubstr("positive"));
}

TEST(PercentileLabelTest, MatchesVllmKeys) {
  EXPECT_EQ(PercentileLabel(99), "99");
  EXPECT_EQ(PercentileLabel(99.9), "99.9");
  EXPECT_EQ(PercentileLabel(50), "50");
}

}  // namespace
}  // namespace tessera::bench
