#include "controller/metrics/controller_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "controller/metrics/metrics_server.h"
#include "http/http_client.h"
#include "tests/unit/controller/reconciler_fixture.h"

namespace tessera::controller {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class ControllerMetricsTest : public ReconcilerTest {
 protected:
  ControllerMetricsTest() {
    agents_.AddNode("node-a", 1, 8, 24 * kGiB);
    metrics_.ObserveFrom(&store_, &monitor_);
  }

  ControllerMetrics metrics_;
};

TEST_F(ControllerMetricsTest, TheLeaderExportsDesiredAndReadyWorkersAndConditions) {
  ApplyAndSettle(Aggregated(2));
  metrics_.SetLeading(true);
  const std::string text = metrics_.Serialize();
  EXPECT_THAT(text, HasSubstr("tessera_controller_leader 1\n"));
  EXPECT_THAT(text, HasSubstr("tessera_controller_deployment_replicas{namespace=\"default\","
                              "deployment=\"llama\",role=\"aggregated\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("tessera_controller_deployment_ready_replicas{namespace=\"default\","
                              "deployment=\"llama\",role=\"aggregated\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("tessera_controller_deployment_condition{namespace=\"default\","
                              "deployment=\"llama\",condition=\"Ready\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tessera_controller_deployment_condition{namespace=\"default\","
                              "deployment=\"llama\",condition=\"Unschedulable\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("tessera_controller_agent_up{node=\"node-a\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tessera_controller_agent_poll_failures_total{node=\"node-a\"} 0\n"));
  EXPECT_THAT(text, Not(HasSubstr("role=\"router\"")))
      << "a deployment without routers has no router role";
}

TEST_F(ControllerMetricsTest, DesiredFollowsTheSpecBeforeAPassAndReadyFollowsThePass) {
  ApplyAndSettle(Aggregated(2));
  metrics_.SetLeading(true);
  store_.Apply(Aggregated(3));
  const std::string scaled = metrics_.Serialize();
  EXPECT_THAT(scaled, HasSubstr("tessera_controller_deployment_replicas{namespace=\"default\","
                                "deployment=\"llama\",role=\"aggregated\"} 3\n"));
  EXPECT_THAT(scaled,
              HasSubstr("tessera_controller_deployment_ready_replicas{namespace=\"default\","
                        "deployment=\"llama\",role=\"aggregated\"} 2\n"));
}

TEST_F(ControllerMetricsTest, AnAgentThatStopsAnsweringIsDownAndItsFailuresCount) {
  ApplyAndSettle(Aggregated(1));
  metrics_.SetLeading(true);
  agents_.Node("node-a").reachable = false;
  monitor_.PollOnce();
  monitor_.PollOnce();
  const std::string text = metrics_.Serialize();
  EXPECT_THAT(text, HasSubstr("tessera_controller_agent_up{node=\"node-a\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("tessera_controller_agent_poll_failures_total{node=\"node-a\"} 2\n"));
}

TEST_F(ControllerMetricsTest, AReplicaThatDoesNotLeadExportsOnlyItsOwnCounters) {
  ApplyAndSettle(Aggregated(2));
  metrics_.RecordReconcile(true, std::chrono::milliseconds(3));
  metrics_.RecordReconcile(false, std::chrono::milliseconds(40));
  const std::string text = metrics_.Serialize();
  EXPECT_THAT(text, HasSubstr("tessera_controller_leader 0\n"));
  EXPECT_THAT(text, HasSubstr("tessera_controller_reconciles_total{result=\"success\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tessera_controller_reconciles_total{result=\"error\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tessera_controller_reconcile_duration_seconds_count 2\n"));
  EXPECT_THAT(text, HasSubstr("tessera_controller_reconcile_duration_seconds_bucket{le=\"0.005\"} "
                              "1\n"));
  EXPECT_THAT(text, Not(HasSubstr("tessera_controller_deployment_replicas{")));
  EXPECT_THAT(text, Not(HasSubstr("tessera_controller_agent_up{")));
}

TEST(MetricsServerTest, ServesMetricsProbesAndNothingElse) {
  ControllerMetrics metrics;
  std::atomic<bool> ready{false};
  StatusOr<std::unique_ptr<MetricsServer>> server = MetricsServer::Start(
      {.host = "127.0.0.1", .port = 0}, metrics, [&ready] { return ready.load(); },
      testing::QuietLogger());
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string base = "http://127.0.0.1:" + std::to_string((*server)->port());
  const auto get = [&](const std::string& path, const std::string& method = "GET") {
    StatusOr<http::HttpClientResponse> response =
        http::FetchAndWait({.method = method, .url = base + path});
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : http::HttpClientResponse{};
  };
  EXPECT_EQ(get("/healthz").status, 200);
  EXPECT_EQ(get("/readyz").status, 503);
  ready = true;
  EXPECT_EQ(get("/readyz").status, 200);
  const http::HttpClientResponse scraped = get("/metrics");
  EXPECT_EQ(scraped.status, 200);
  EXPECT_THAT(scraped.body, HasSubstr("tessera_controller_leader 0\n"));
  EXPECT_EQ(get("/metrics", "POST").status, 405);
  EXPECT_EQ(get("/v1/workers").status, 404);
}

TEST(MetricsServerTest, AnAddressInUseIsAnErrorNamingTheFlag) {
  ControllerMetrics metrics;
  StatusOr<std::unique_ptr<MetricsServer>> first = MetricsServer::Start(
      {.host = "127.0.0.1", .port = 0}, metrics, [] { return true; }, testing::QuietLogger());
  ASSERT_TRUE(first.ok()) << first.status();
  StatusOr<std::unique_ptr<MetricsServer>> second = MetricsServer::Start(
      {.host = "127.0.0.1", .port = (*first)->port()}, metrics, [] { return true; },
      testing::QuietLogger());
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(second.status().message(), HasSubstr("--metrics-listen"));
}

}  // namespace
}  // namespace tessera::controller
