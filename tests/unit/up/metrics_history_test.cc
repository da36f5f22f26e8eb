#include "cli/up/metrics_history.h"

#include <array>
#include <chrono>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tessera::up {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using std::chrono::system_clock;

constexpr double kInf = std::numeric_limits<double>::infinity();
// 2026-01-01T00:00:00Z.
constexpr system_clock::time_point kStart{seconds(1'767'225'600)};

// The agent's merged /metrics for one scrape, sample by sample.
class Exposition {
 public:
  Exposition& Sample(std::string_view name, std::string_view worker, std::string_view role,
                     std::string_view extra_labels, double value) {
    text_ += std::string(name) + R"({worker=")" + std::string(worker) +
             R"(",deployment="llama",role=")" + std::string(role) + R"(",partition="0")";
    if (!extra_labels.empty()) text_ += "," + std::string(extra_labels);
    text_ += "} " + std::to_string(value) + "\n";
    return *this;
  }
  // A histogram's cumulative bucket counts, `counts[i]` for `bounds[i]`.
  Exposition& Histogram(std::string_view name, std::string_view worker, std::string_view role,
                        std::span<const double> bounds, const std::vector<double>& counts) {
    for (size_t i = 0; i < bounds.size(); ++i) {
      const std::string bound = bounds[i] == kInf ? "+Inf" : std::to_string(bounds[i]);
      Sample(std::string(name) + "_bucket", worker, role, "le=\"" + bound + "\"", counts[i]);
    }
    return *this;
  }
  std::string_view text() const { return text_; }

 private:
  std::string text_ = "# HELP up a comment to skip\n";
};

std::map<std::string, std::string> Workers() {
  return {{"router-0", "default/llama"},
          {"prefill-0", "default/llama"},
          {"decode-0", "default/llama"},
          {"decode-1", "default/llama"}};
}
std::map<std::string, std::map<std::string, int>> Ready() {
  return {{"default/llama", {{"prefill", 1}, {"decode", 2}, {"router", 1}}}};
}

constexpr std::array<double, 4> kBounds = {0.1, 0.2, 0.4, kInf};

class MetricsHistoryTest : public ::testing::Test {
 protected:
  // Records `exposition` `offset` seconds after kStart.
  void RecordAt(int offset, const Exposition& exposition,
                const std::map<std::string, std::map<std::string, int>>& ready = Ready()) {
    EXPECT_EQ(history_.Record(kStart + seconds(offset), exposition.text(), Workers(), ready), 0);
  }
  json Series(int now_offset, int last = 900) const {
    return history_.SeriesJson(kStart + seconds(now_offset), seconds(last));
  }

  MetricsHistory history_;
};

TEST(HistogramQuantileTest, InterpolatesInsideTheBucketAsPrometheusDoes) {
  // 10 observations up to 0.1, 20 in (0.1, 0.2], 10 in (0.2, 0.4].
  const HistogramBuckets buckets = {{0.1, 10}, {0.2, 30}, {0.4, 40}, {kInf, 40}};
  EXPECT_DOUBLE_EQ(*HistogramQuantile(0.5, buckets), 0.15);  // rank 20: 10 into 20 of (0.1, 0.2]
  EXPECT_DOUBLE_EQ(*HistogramQuantile(0.9, buckets), 0.32);  // rank 36: 6 into 10 of (0.2, 0.4]
  EXPECT_DOUBLE_EQ(*HistogramQuantile(0.99, buckets), 0.392);
  EXPECT_DOUBLE_EQ(*HistogramQuantile(0.1, buckets), 0.04);  // the first bucket starts at 0
}

TEST(HistogramQuantileTest, RanksInTheInfBucketGiveTheHighestFiniteBound) {
  const HistogramBuckets buckets = {{0.1, 1}, {0.2, 2}, {kInf, 10}};
  EXPECT_DOUBLE_EQ(*HistogramQuantile(0.5, buckets), 0.2);
}

TEST(HistogramQuantileTest, NullWithoutObservationsOrAnInfBucket) {
  EXPECT_EQ(HistogramQuantile(0.5, {{0.1, 0}, {kInf, 0}}), std::nullopt);
  EXPECT_EQ(HistogramQuantile(0.5, {{0.1, 3}, {0.2, 4}}), std::nullopt);
  EXPECT_EQ(HistogramQuantile(0.5, {{kInf, 4}}), std::nullopt);
  EXPECT_EQ(HistogramQuantile(0.5, {}), std::nullopt);
}

TEST(HistogramQuantileTest, CountsThatDecreaseWithTheBoundAreRaised) {
  // {5, 3, 6}: the second bucket reset apart; read as {5, 5, 6}.
  const HistogramBuckets buckets = {{0.1, 5}, {0.2, 3}, {kInf, 6}};
  EXPECT_DOUBLE_EQ(*HistogramQuantile(0.5, buckets), 0.06);
}

TEST_F(MetricsHistoryTest, RouterRatesOverTheWindowWithAFirstErrorCounted) {
  const auto router = [](double ok, double failed) {
    Exposition exposition;
    exposition.Sample("tessera_router_client_requests_in_flight", "router-0", "router", "", 0);
    if (ok > 0) {
      exposition.Sample("tessera_router_client_requests_total", "router-0", "router",
                        R"(code="200",endpoint="/v1/completions")", ok);
    }
    if (failed > 0) {
      exposition.Sample("tessera_router_client_requests_total", "router-0", "router",
                        R"(code="502",endpoint="/v1/completions")", failed);
    }
    return exposition;
  };
  RecordAt(0, router(0, 0));
  RecordAt(2, router(10, 0));  // the 200 series appears: counted from 0
  RecordAt(4, router(30, 2));  // so does the 502 one
  const json series = Series(4)["deployments"]["default/llama"];
  EXPECT_EQ(series["time"], json({1'767'225'600.0, 1'767'225'602.0, 1'767'225'604.0}));
  EXPECT_EQ(series["requestsPerSecond"], json({nullptr, 5.0, 8.0}));  // 32 in 4 s
  EXPECT_EQ(series["errorsPerSecond"], json({nullptr, 0.0, 0.5}));
  // No TTFT observed: null, not 0.
  EXPECT_EQ(series["ttftSeconds"]["p50"], json({nullptr, nullptr, nullptr}));
  EXPECT_EQ(series["replicas"]["decode"], json({2, 2, 2}));
  EXPECT_EQ(series["replicas"]["router"], json({1, 1, 1}));
  EXPECT_EQ(Series(4)["periodSeconds"], 2);
  EXPECT_EQ(Series(4)["windowSeconds"], 10);
}

TEST_F(MetricsHistoryTest, TtftPercentilesFromTheRoutersBucketIncreases) {
  RecordAt(0, Exposition().Histogram("tessera_router_time_to_first_token_seconds", "router-0",
                                     "router", kBounds, {5, 5, 5, 5}));
  RecordAt(2, Exposition().Histogram("tessera_router_time_to_first_token_seconds", "router-0",
                                     "router", kBounds, {10, 20, 25, 25}));
  RecordAt(4, Exposition().Histogram("tessera_router_time_to_first_token_seconds", "router-0",
                                     "router", kBounds, {15, 35, 45, 45}));
  // Over the window: {10, 30, 40, 40}, as in the hand-computed test above;
  // the 5 observations before the first scrape are in no window.
  const json ttft = Series(4)["deployments"]["default/llama"]["ttftSeconds"];
  EXPECT_DOUBLE_EQ(ttft["p50"][2].get<double>(), 0.15);
  EXPECT_DOUBLE_EQ(ttft["p90"][2].get<double>(), 0.32);
  EXPECT_DOUBLE_EQ(ttft["p99"][2].get<double>(), 0.392);
  // At 2 s: {5, 15, 20, 20}, rank 10 is 5 into 10 of (0.1, 0.2].
  EXPECT_DOUBLE_EQ(ttft["p50"][1].get<double>(), 0.15);
  EXPECT_TRUE(ttft["p50"][0].is_null());
}

TEST_F(MetricsHistoryTest, ACounterThatGoesDownRestartedFromZero) {
  const auto engine = [](double finished) {
    return Exposition().Sample("vllm:request_success_total", "decode-0", "decode",
                               R"(finished_reason="stop")", finished);
  };
  RecordAt(0, engine(100));
  RecordAt(2, engine(120));
  RecordAt(4, engine(5));  // restarted, then finished 5
  const json series = Series(4)["deployments"]["default/llama"];
  EXPECT_EQ(series["requestsPerSecond"], json({nullptr, 10.0, 6.25}));  // (20 + 5) / 4 s
}

TEST_F(MetricsHistoryTest, IdleAfterTheWindowIsZeroRequestsAndNullPercentiles) {
  const auto router = [](double requests, double observed) {
    return Exposition()
        .Sample("tessera_router_client_requests_total", "router-0", "router",
                R"(code="200",endpoint="/v1/completions")", requests)
        .Histogram("tessera_router_time_to_first_token_seconds", "router-0", "router", kBounds,
                   {observed, observed, observed, observed});
  };
  RecordAt(0, router(1, 1));
  RecordAt(2, router(5, 5));
  for (int offset = 4; offset <= 14; offset += 2) RecordAt(offset, router(5, 5));
  const json series = Series(14)["deployments"]["default/llama"];
  // At 10 s the increase at 2 s is still inside (0, 10]; at 12 s it is not.
  EXPECT_DOUBLE_EQ(series["requestsPerSecond"][5].get<double>(), 0.4);
  EXPECT_DOUBLE_EQ(series["ttftSeconds"]["p50"][5].get<double>(), 0.05);
  EXPECT_EQ(series["requestsPerSecond"][6], 0.0);
  EXPECT_EQ(series["errorsPerSecond"][6], 0.0);
  EXPECT_TRUE(series["ttftSeconds"]["p50"][6].is_null());
  EXPECT_TRUE(series["ttftSeconds"]["p99"][7].is_null());
}

TEST_F(MetricsHistoryTest, WithoutARouterTheDecodeWorkersOwnCountersAndTtft) {
  const auto engines = [](double stop, double abort, double observed) {
    Exposition exposition;
    for (const char* worker : {"decode-0", "decode-1"}) {
      exposition
          .Sample("vllm:request_success_total", worker, "decode", R"(finished_reason="stop")", stop)
          .Sample("vllm:request_success_total", worker, "decode", R"(finished_reason="abort")",
                  abort)
          .Histogram("vllm:time_to_first_token_seconds", worker, "decode", kBounds,
                     {0, observed, observed, observed})
          .Histogram("vllm:request_time_per_output_token_seconds", worker, "decode", kBounds,
                     {observed, observed, observed, observed})
          .Histogram("vllm:inter_token_latency_seconds", worker, "decode", kBounds,
                     {0, 0, observed, observed});
    }
    // The prefill worker's legs are not the clients' requests.
    exposition
        .Sample("vllm:request_success_total", "prefill-0", "prefill", R"(finished_reason="length")",
                stop * 100)
        .Histogram("vllm:time_to_first_token_seconds", "prefill-0", "prefill", kBounds,
                   {stop * 100, stop * 100, stop * 100, stop * 100});
    return exposition;
  };
  RecordAt(0, engines(0, 0, 0));
  RecordAt(2, engines(4, 1, 4));
  const json series = Series(2)["deployments"]["default/llama"];
  EXPECT_EQ(series["requestsPerSecond"][1], 5.0);  // (4 + 1) x 2 workers in 2 s
  EXPECT_EQ(series["errorsPerSecond"][1], 1.0);    // the aborts
  EXPECT_DOUBLE_EQ(series["ttftSeconds"]["p50"][1].get<double>(), 0.15);
  EXPECT_DOUBLE_EQ(series["tpotSeconds"]["p50"][1].get<double>(), 0.05);
  EXPECT_DOUBLE_EQ(series["itlSeconds"]["p50"][1].get<double>(), 0.3);
}

TEST_F(MetricsHistoryTest, SglangWorkersOfAnAggregatedDeployment) {
  const std::map<std::string, std::string> workers = {{"worker-0", "default/qwen"}};
  const std::map<std::string, std::map<std::string, int>> ready = {
      {"default/qwen", {{"worker", 1}}}};
  const auto engine = [](double requests, double aborted, double observed, double usage) {
    Exposition exposition;
    exposition.Sample("sglang:num_requests_total", "worker-0", "worker", "", requests)
        .Sample("sglang:num_aborted_requests_total", "worker-0", "worker", "", aborted)
        .Sample("sglang:token_usage", "worker-0", "worker", "", usage)
        .Histogram("sglang:time_to_first_token_seconds", "worker-0", "worker", kBounds,
                   {0, 0, observed, observed})
        .Histogram("sglang:inter_token_latency_seconds", "worker-0", "worker", kBounds,
                   {observed, observed, observed, observed});
    return exposition;
  };
  history_.Record(kStart, engine(0, 0, 0, 0).text(), workers, ready);
  history_.Record(kStart + seconds(2), engine(6, 2, 2, 0.25).text(), workers, ready);
  const json series = Series(2)["deployments"]["default/qwen"];
  EXPECT_EQ(series["requestsPerSecond"][1], 3.0);
  EXPECT_EQ(series["errorsPerSecond"][1], 1.0);
  EXPECT_DOUBLE_EQ(series["ttftSeconds"]["p50"][1].get<double>(), 0.3);
  EXPECT_DOUBLE_EQ(series["itlSeconds"]["p50"][1].get<double>(), 0.05);
  EXPECT_TRUE(series["tpotSeconds"]["p50"][1].is_null());  // SGLang exports none
  EXPECT_EQ(series["kvCacheUsage"], json({{"worker", {0.0, 0.25}}}));
  EXPECT_EQ(series["replicas"], json({{"worker", {1, 1}}}));
}

TEST_F(MetricsHistoryTest, KvCacheUsageIsTheMeanOfARolesWorkers) {
  RecordAt(0, Exposition()
                  .Sample("vllm:kv_cache_usage_perc", "decode-0", "decode", R"(engine="0")", 0.2)
                  .Sample("vllm:kv_cache_usage_perc", "decode-1", "decode", R"(engine="0")", 0.4)
                  // The old name beside the new one is not counted twice.
                  .Sample("vllm:gpu_cache_usage_perc", "decode-1", "decode", R"(engine="0")", 0.9)
                  .Sample("vllm:kv_cache_usage_perc", "prefill-0", "prefill", "", 0)
                  // Workers of no known deployment are ignored.
                  .Sample("vllm:kv_cache_usage_perc", "stranger", "decode", "", 1));
  const json series = Series(0)["deployments"]["default/llama"];
  EXPECT_EQ(series["kvCacheUsage"]["prefill"], json({0.0}));
  EXPECT_DOUBLE_EQ(series["kvCacheUsage"]["decode"][0].get<double>(), 0.3);
  EXPECT_EQ(Series(0)["deployments"].size(), 1u);
}

TEST_F(MetricsHistoryTest, PointsOlderThanRetentionAndDeploymentsGoneThatLongAreDropped) {
  MetricsHistory history({.period = seconds(2), .window = seconds(10), .retention = seconds(6)});
  const std::map<std::string, std::map<std::string, int>> both = {
      {"default/llama", {{"decode", 1}}}, {"default/gone", {{"decode", 1}}}};
  const std::map<std::string, std::map<std::string, int>> one = {
      {"default/llama", {{"decode", 1}}}};
  for (int offset = 0; offset <= 4; offset += 2) {
    history.Record(kStart + seconds(offset), "", Workers(), both);
  }
  for (int offset = 6; offset <= 10; offset += 2) {
    history.Record(kStart + seconds(offset), "", Workers(), one);
  }
  json series = history.SeriesJson(kStart + seconds(10), seconds(900));
  // Retention keeps (4, 10]; "gone" has its point at 4 s no longer.
  EXPECT_EQ(series["deployments"]["default/llama"]["time"],
            json({1'767'225'606.0, 1'767'225'608.0, 1'767'225'610.0}));
  EXPECT_FALSE(series["deployments"].contains("default/gone"));
  // `last` narrows what is returned.
  series = history.SeriesJson(kStart + seconds(10), seconds(3));
  EXPECT_EQ(series["deployments"]["default/llama"]["time"],
            json({1'767'225'608.0, 1'767'225'610.0}));
}

TEST_F(MetricsHistoryTest, AWallClockSteppedBackRewritesTheHistoryAfterIt) {
  const auto engine = [](double finished) {
    return Exposition().Sample("vllm:request_success_total", "decode-0", "decode",
                               R"(finished_reason="stop")", finished);
  };
  RecordAt(0, engine(0));
  RecordAt(2, engine(10));
  RecordAt(4, engine(20));
  RecordAt(3, engine(30));  // stepped back: the point at 4 s goes, no rate across the step
  RecordAt(5, engine(34));
  const json series = Series(5)["deployments"]["default/llama"];
  EXPECT_EQ(series["time"],
            json({1'767'225'600.0, 1'767'225'602.0, 1'767'225'603.0, 1'767'225'605.0}));
  EXPECT_EQ(series["requestsPerSecond"], json({nullptr, 5.0, 5.0, 14.0 / 4}));
}

TEST_F(MetricsHistoryTest, MalformedLinesAreCountedAndTheRestKept) {
  const std::string text =
      "not a sample\n"
      "vllm:kv_cache_usage_perc{worker=\"decode-0\",role=\"decode\"} 0.5\n";
  EXPECT_EQ(history_.Record(kStart, text, Workers(), Ready()), 1);
  EXPECT_EQ(Series(0)["deployments"]["default/llama"]["kvCacheUsage"]["decode"], json({0.5}));
}

}  // namespace
}  // namespace tessera::up
