#include "agent/metrics/in_flight_requests.h"

#include <gtest/gtest.h>

namespace tessera::agent {
namespace {

TEST(InFlightRequestsTest, SumsRunningAndWaitingByTheDialectsNames) {
  EXPECT_EQ(InFlightRequests("# HELP vllm:num_requests_running Running.\n"
                             "vllm:num_requests_running{model_name=\"a\"} 2\n"
                             "vllm:num_requests_waiting{model_name=\"a\"} 1.5 1700000000000\n"
                             "vllm:num_requests_running_total 40\n",
                             wire::MetricDialect::kVllm),
            3.5);
  EXPECT_EQ(InFlightRequests("sglang:num_running_reqs 4\nsglang:num_queue_reqs 0\n",
                             wire::MetricDialect::kSglang),
            4);
  EXPECT_EQ(InFlightRequests("sglang:num_running_reqs 4\n", wire::MetricDialect::kVllm),
            std::nullopt)
      << "another dialect's names do not count";
  EXPECT_EQ(InFlightRequests("# TYPE tessera_router_client_requests_in_flight gauge\n"
                             "tessera_router_client_requests_in_flight 3\n"
                             "tessera_router_worker_requests_in_flight{worker=\"a\"} 5\n",
                             wire::MetricDialect::kRouter),
            3)
      << "a router's own clients, not its calls to workers";
}

TEST(InFlightRequestsTest, AMalformedSampleIsSkipped) {
  EXPECT_EQ(InFlightRequests("vllm:num_requests_running{} x\nvllm:num_requests_waiting 2\n",
                             wire::MetricDialect::kVllm),
            2);
  EXPECT_EQ(InFlightRequests("", wire::MetricDialect::kVllm), std::nullopt);
}

}  // namespace
}  // namespace tessera::agent
