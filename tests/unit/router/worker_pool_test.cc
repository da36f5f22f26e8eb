#include "router/pool/worker_pool.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tessera::router {
namespace {

using wire::WorkerRole;

std::vector<std::string> Urls(const std::vector<const PooledWorker*>& workers) {
  std::vector<std::string> urls;
  for (const PooledWorker* worker : workers) urls.push_back(worker->endpoint.url);
  return urls;
}

class WorkerPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_.OnForgotten([this](const std::string& url) { forgotten_.push_back(url); });
    pool_.SetMembership(
        {{.url = "http://p:1", .role = WorkerRole::kPrefill, .bootstrap_port = 8998},
         {.url = "http://d:2", .role = WorkerRole::kDecode},
         {.url = "http://d:1", .role = WorkerRole::kDecode}});
  }

  FakeClock clock_;
  CircuitBreakerPolicy policy_{.failure_threshold = 2};
  WorkerPool pool_{clock_, policy_};
  std::vector<std::string> forgotten_;
};

TEST_F(WorkerPoolTest, RoutableWorkersOfARoleInUrlOrder) {
  EXPECT_EQ(Urls(pool_.Routable(WorkerRole::kDecode)),
            (std::vector<std::string>{"http://d:1", "http://d:2"}));
  EXPECT_EQ(Urls(pool_.Routable(WorkerRole::kPrefill)), (std::vector<std::string>{"http://p:1"}));
  EXPECT_TRUE(pool_.Routable(WorkerRole::kAggregated).empty());
  const std::vector<std::string> tried{"http://d:1"};
  EXPECT_EQ(Urls(pool_.Routable(WorkerRole::kDecode, tried)),
            (std::vector<std::string>{"http://d:2"}));
}

TEST_F(WorkerPoolTest, UnhealthyAndOpenCircuitWorkersAreOutOfRotation) {
  pool_.SetHealth("http://d:1", false, "connection refused");
  EXPECT_EQ(Urls(pool_.Routable(WorkerRole::kDecode)), (std::vector<std::string>{"http://d:2"}));
  for (int i = 0; i < 2; ++i) pool_.Acquire("http://d:2").Release(WorkerOutcome::kFailed);
  EXPECT_TRUE(pool_.Routable(WorkerRole::kDecode).empty());
  EXPECT_TRUE(pool_.HasMember(WorkerRole::kDecode));
  pool_.SetHealth("http://d:1", true, "");
  EXPECT_EQ(Urls(pool_.Routable(WorkerRole::kDecode)), (std::vector<std::string>{"http://d:1"}));
}

TEST_F(WorkerPoolTest, ALeaseCountsInFlightUntilReleasedOrDestroyed) {
  {
    WorkerLease lease = pool_.Acquire("http://d:1");
    EXPECT_EQ(pool_.workers().at("http://d:1").in_flight, 1);
    WorkerLease moved = std::move(lease);
    EXPECT_EQ(pool_.workers().at("http://d:1").in_flight, 1);
  }
  EXPECT_EQ(pool_.workers().at("http://d:1").in_flight, 0);
}

TEST_F(WorkerPoolTest, AWorkerThatLeavesDrainsThenIsForgotten) {
  WorkerLease lease = pool_.Acquire("http://d:2");
  pool_.SetMembership({{.url = "http://p:1", .role = WorkerRole::kPrefill},
                       {.url = "http://d:1", .role = WorkerRole::kDecode}});
  EXPECT_TRUE(pool_.workers().at("http://d:2").draining);
  EXPECT_EQ(Urls(pool_.Routable(WorkerRole::kDecode)), (std::vector<std::string>{"http://d:1"}));
  EXPECT_TRUE(forgotten_.empty());
  lease.Release(WorkerOutcome::kServed);
  EXPECT_FALSE(pool_.workers().contains("http://d:2"));
  EXPECT_EQ(forgotten_, (std::vector<std::string>{"http://d:2"}));
  // The prefill's bootstrap port was dropped by the new membership.
  EXPECT_FALSE(pool_.workers().at("http://p:1").endpoint.bootstrap_port.has_value());
}

TEST_F(WorkerPoolTest, ADrainingWorkerListedAgainIsBackInRotation) {
  WorkerLease lease = pool_.Acquire("http://d:2");
  pool_.SetMembership({});
  EXPECT_EQ(forgotten_, (std::vector<std::string>{"http://d:1", "http://p:1"}));
  pool_.SetMembership({{.url = "http://d:2", .role = WorkerRole::kDecode}});
  EXPECT_FALSE(pool_.workers().at("http://d:2").draining);
  EXPECT_EQ(pool_.workers().at("http://d:2").in_flight, 1);
  lease.Release(WorkerOutcome::kServed);
  EXPECT_TRUE(pool_.workers().contains("http://d:2"));
}

}  // namespace
}  // namespace tessera::router
