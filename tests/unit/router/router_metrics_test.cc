#include "router/router_metrics.h"

#include <string>

#include <gtest/gtest.h>

#include "base/clock.h"
#include "base/prometheus_text.h"
#include "router/pool/worker_pool.h"

namespace tessera::router {
namespace {

// The value of the sample `name` whose labels include every one of `labels`.
double ValueOf(const ParsedExposition& exposition, std::string_view name,
               const std::vector<std::pair<std::string, std::string>>& labels) {
  for (const PrometheusSample& sample : exposition.samples) {
    if (sample.name != name) continue;
    bool matches = true;
    for (const auto& [label, value] : labels) {
      matches = matches && LabelValue(sample.labels, label) == value;
    }
    if (matches) return sample.value;
  }
  ADD_FAILURE() << "no sample " << name;
  return -1;
}

TEST(RouterMetricsTest, TimeToFirstTokenIsAHistogramByEndpointInVllmsBuckets) {
  FakeClock clock;
  const WorkerPool pool(clock, CircuitBreakerPolicy{});
  RouterMetrics metrics;
  metrics.RecordTimeToFirstToken("/v1/completions", 0.03);
  metrics.RecordTimeToFirstToken("/v1/completions", 0.3);
  metrics.RecordTimeToFirstToken("/v1/chat/completions", 3000);

  const std::string text = metrics.Serialize(pool, clock);
  const ParsedExposition exposition = ParsePrometheusText(text);
  EXPECT_EQ(exposition.malformed_lines, 0);
  EXPECT_NE(text.find("# TYPE tessera_router_time_to_first_token_seconds histogram"),
            std::string::npos);
  constexpr std::string_view kBucket = "tessera_router_time_to_first_token_seconds_bucket";
  const std::string completions = "/v1/completions";
  EXPECT_EQ(ValueOf(exposition, kBucket, {{"endpoint", completions}, {"le", "0.02"}}), 0);
  EXPECT_EQ(ValueOf(exposition, kBucket, {{"endpoint", completions}, {"le", "0.04"}}), 1);
  EXPECT_EQ(ValueOf(exposition, kBucket, {{"endpoint", completions}, {"le", "0.5"}}), 2);
  EXPECT_EQ(ValueOf(exposition, kBucket, {{"endpoint", completions}, {"le", "+Inf"}}), 2);
  EXPECT_DOUBLE_EQ(ValueOf(exposition, "tessera_router_time_to_first_token_seconds_sum",
                           {{"endpoint", completions}}),
                   0.33);
  // Past vLLM's last bucket, 2560 s, only +Inf holds it.
  EXPECT_EQ(ValueOf(exposition, kBucket, {{"endpoint", "/v1/chat/completions"}, {"le", "2560"}}),
            0);
  EXPECT_EQ(ValueOf(exposition, kBucket, {{"endpoint", "/v1/chat/completions"}, {"le", "+Inf"}}),
            1);
}

}  // namespace
}  // namespace tessera::router
