#include "controller/fleet/fleet_monitor.h"

#include <gtest/gtest.h>

#include "tests/unit/controller/fake_fleet.h"

namespace tessera::controller {
namespace {

using testing::FakeAgents;

constexpr int64_t kGiB = int64_t{1} << 30;

// A worker of deployment "d" on `partition`.
wire::WorkerSpec Spec(int partition) {
  wire::WorkerSpec spec;
  spec.deployment = "d";
  spec.engine = "sim";
  spec.settings.model = "m";
  spec.partitions = {partition};
  return spec;
}

class FleetMonitorTest : public ::testing::Test {
 protected:
  FleetMonitorTest() : monitor_(agents_, agents_, clock_, {}, testing::QuietLogger()) {
    agents_.AddNode("node-a", 1, 8, 24 * kGiB);
  }
  NodeHealth Health() { return monitor_.Snapshot()->FindNode("node-a")->health; }

  FakeClock clock_;
  FakeAgents agents_;
  FleetMonitor monitor_;
};

TEST_F(FleetMonitorTest, HealthFollowsSilence) {
  EXPECT_TRUE(monitor_.Snapshot()->nodes().empty());
  agents_.Node("node-a").reachable = false;
  monitor_.PollOnce();
  EXPECT_EQ(Health(), NodeHealth::kUnknown);
  EXPECT_FALSE(monitor_.Snapshot()->Synced());
  agents_.Node("node-a").reachable = true;
  monitor_.PollOnce();
  EXPECT_EQ(Health(), NodeHealth::kReachable);
  EXPECT_TRUE(monitor_.Snapshot()->Synced());
  EXPECT_EQ(monitor_.Snapshot()->FindNode("node-a")->partitions.size(), 8U);
  agents_.Node("node-a").reachable = false;
  clock_.Advance(std::chrono::seconds(29));
  monitor_.PollOnce();
  EXPECT_EQ(Health(), NodeHealth::kUnreachable);
  EXPECT_EQ(monitor_.Snapshot()->FindNode("node-a")->partitions.size(), 8U)
      << "the last observation is kept";
  clock_.Advance(std::chrono::seconds(1));
  monitor_.PollOnce();
  EXPECT_EQ(Health(), NodeHealth::kLost);
  EXPECT_NE(monitor_.Snapshot()->FindNode("node-a")->last_error.find("connection refused"),
            std::string::npos);
}

TEST_F(FleetMonitorTest, CountsThePollsANodeDidNotAnswer) {
  agents_.Node("node-a").reachable = false;
  monitor_.PollOnce();
  monitor_.PollOnce();
  EXPECT_EQ(monitor_.Snapshot()->FindNode("node-a")->failed_polls, 2U);
  agents_.Node("node-a").reachable = true;
  monitor_.PollOnce();
  EXPECT_EQ(monitor_.Snapshot()->FindNode("node-a")->failed_polls, 2U)
      << "a counter: an answer does not reset it";
  agents_.Node("node-a").reachable = false;
  monitor_.PollOnce();
  EXPECT_EQ(monitor_.Snapshot()->FindNode("node-a")->failed_polls, 3U);
}

TEST_F(FleetMonitorTest, ANodeNeverHeardFromIsLostAfterTheTimeout) {
  agents_.Node("node-a").reachable = false;
  monitor_.PollOnce();
  clock_.Advance(std::chrono::seconds(30));
  monitor_.PollOnce();
  EXPECT_EQ(Health(), NodeHealth::kLost);
  EXPECT_TRUE(monitor_.Snapshot()->Synced());
}

TEST_F(FleetMonitorTest, RecordedWritesStandInUntilObserved) {
  monitor_.PollOnce();
  const wire::WorkerSpec spec = Spec(3);
  ObservedWorker worker{.id = "w", .spec = spec, .state = wire::WorkerState::kPending};
  monitor_.RecordPut("node-a", worker);
  const NodeView* node = monitor_.Snapshot()->FindNode("node-a");
  ASSERT_EQ(node->workers.size(), 1U);
  EXPECT_EQ(node->partitions[3].holder, "w");
  // A poll that does not show it yet keeps it.
  monitor_.PollOnce();
  EXPECT_EQ(monitor_.Snapshot()->FindNode("node-a")->workers.size(), 1U);
  // Until the expectation times out.
  clock_.Advance(std::chrono::seconds(31));
  monitor_.PollOnce();
  EXPECT_TRUE(monitor_.Snapshot()->FindNode("node-a")->workers.empty());
}

TEST_F(FleetMonitorTest, RecordedRemovalsShowAsTerminating) {
  const wire::WorkerSpec spec = Spec(0);
  ASSERT_TRUE(agents_.PutWorker(FakeAgents::Endpoint("node-a"), "w", spec).ok());
  monitor_.PollOnce();
  monitor_.RecordRemoval("node-a", "w");
  EXPECT_TRUE(monitor_.Snapshot()->FindNode("node-a")->workers[0].Terminating());
  monitor_.PollOnce();  // the agent has not caught up
  EXPECT_TRUE(monitor_.Snapshot()->FindNode("node-a")->workers[0].Terminating());
}

TEST_F(FleetMonitorTest, ANodeBackFromLossIsMarkedReturned) {
  monitor_.PollOnce();
  EXPECT_FALSE(monitor_.Snapshot()->FindNode("node-a")->returned_after_loss);
  agents_.Node("node-a").reachable = false;
  clock_.Advance(std::chrono::seconds(10));
  monitor_.PollOnce();
  agents_.Node("node-a").reachable = true;
  monitor_.PollOnce();
  EXPECT_FALSE(monitor_.Snapshot()->FindNode("node-a")->returned_after_loss)
      << "unreachable for a while is not lost";
  agents_.Node("node-a").reachable = false;
  clock_.Advance(std::chrono::seconds(30));
  monitor_.PollOnce();
  ASSERT_EQ(Health(), NodeHealth::kLost);
  agents_.Node("node-a").reachable = true;
  monitor_.PollOnce();
  EXPECT_EQ(Health(), NodeHealth::kReachable);
  EXPECT_TRUE(monitor_.Snapshot()->FindNode("node-a")->returned_after_loss);
  clock_.Advance(std::chrono::minutes(4));
  monitor_.PollOnce();
  EXPECT_TRUE(monitor_.Snapshot()->FindNode("node-a")->returned_after_loss);
  clock_.Advance(std::chrono::minutes(1));
  monitor_.PollOnce();
  EXPECT_FALSE(monitor_.Snapshot()->FindNode("node-a")->returned_after_loss)
      << "remembered for a few minutes, not forever";
}

TEST_F(FleetMonitorTest, AnUnlistedNodeIsWatchedWhileItMayRunWorkers) {
  const wire::WorkerSpec spec = Spec(0);
  ASSERT_TRUE(agents_.PutWorker(FakeAgents::Endpoint("node-a"), "w", spec).ok());
  monitor_.PollOnce();
  agents_.Node("node-a").listed = false;
  monitor_.PollOnce();
  const NodeView* node = monitor_.Snapshot()->FindNode("node-a");
  ASSERT_NE(node, nullptr) << "its worker still runs";
  EXPECT_TRUE(node->unlisted);
  EXPECT_EQ(node->health, NodeHealth::kReachable);
  EXPECT_EQ(node->workers.size(), 1U);

  // Silent: lost after the timeout, like any node, and kept as lost.
  agents_.Node("node-a").reachable = false;
  clock_.Advance(std::chrono::seconds(30));
  monitor_.PollOnce();
  monitor_.PollOnce();
  ASSERT_NE(monitor_.Snapshot()->FindNode("node-a"), nullptr);
  EXPECT_EQ(Health(), NodeHealth::kLost);

  // Back, listed again.
  agents_.Node("node-a").reachable = true;
  agents_.Node("node-a").listed = true;
  monitor_.PollOnce();
  EXPECT_FALSE(monitor_.Snapshot()->FindNode("node-a")->unlisted);

  // Unlisted with nothing on it: forgotten.
  agents_.Node("node-a").workers.clear();
  agents_.Node("node-a").listed = false;
  monitor_.PollOnce();
  ASSERT_NE(monitor_.Snapshot()->FindNode("node-a"), nullptr);
  monitor_.PollOnce();
  EXPECT_EQ(monitor_.Snapshot()->FindNode("node-a"), nullptr);
}

TEST_F(FleetMonitorTest, AChangeAnAgentReportsIsObservedBeforeTheNextPoll) {
  int told = 0;
  monitor_.OnChange([&] { ++told; });
  EXPECT_FALSE(monitor_.PollChanged()) << "nothing reported";
  monitor_.PollOnce();
  EXPECT_EQ(agents_.HeldWaits(), 1U) << "one wait per reachable node";
  // The first answer tells the version; the workers may have changed since
  // the poll, so it counts as a change.
  EXPECT_EQ(agents_.AnswerWaits(), 1);
  EXPECT_EQ(told, 1);
  EXPECT_TRUE(monitor_.PollChanged());
  EXPECT_FALSE(monitor_.PollChanged());
  EXPECT_EQ(agents_.HeldWaits(), 1U) << "waiting again, past the version it was told";
  EXPECT_EQ(agents_.AnswerWaits(), 0) << "held while the workers stay as they are";

  agents_.Node("node-a").workers["w-0"] = {
      .id = "w-0", .spec = Spec(0), .state = wire::WorkerState::kStarting};
  EXPECT_EQ(agents_.AnswerWaits(), 1);
  EXPECT_EQ(told, 2);
  EXPECT_TRUE(monitor_.Snapshot()->FindNode("node-a")->workers.empty()) << "not observed yet";
  EXPECT_TRUE(monitor_.PollChanged());
  ASSERT_EQ(monitor_.Snapshot()->FindNode("node-a")->workers.size(), 1U);
  EXPECT_EQ(monitor_.Snapshot()->FindNode("node-a")->workers[0].state,
            wire::WorkerState::kStarting);

  agents_.Node("node-a").workers["w-0"].state = wire::WorkerState::kReady;
  EXPECT_EQ(agents_.AnswerWaits(), 1);
  EXPECT_TRUE(monitor_.PollChanged());
  EXPECT_TRUE(monitor_.Snapshot()->FindNode("node-a")->workers[0].Ready());
}

TEST_F(FleetMonitorTest, AFailedWaitIsOpenedAgainByAPollThatReachesTheNode) {
  monitor_.PollOnce();
  agents_.Node("node-a").reachable = false;
  EXPECT_EQ(agents_.AnswerWaits(), 1) << "the wait fails";
  EXPECT_EQ(agents_.HeldWaits(), 0U);
  EXPECT_FALSE(monitor_.PollChanged());
  monitor_.PollOnce();
  EXPECT_EQ(agents_.HeldWaits(), 0U) << "no wait on an unreachable node";
  agents_.Node("node-a").reachable = true;
  monitor_.PollOnce();
  EXPECT_EQ(agents_.HeldWaits(), 1U);
  monitor_.PollOnce();
  EXPECT_EQ(agents_.HeldWaits(), 1U) << "one wait per node, however many polls";
}

TEST_F(FleetMonitorTest, StopWaitingCancelsTheWaitsAndOpensNoMore) {
  agents_.AddNode("node-b", 1, 8, 24 * kGiB);
  monitor_.PollOnce();
  ASSERT_EQ(agents_.HeldWaits(), 2U);
  monitor_.StopWaiting();
  EXPECT_EQ(agents_.HeldWaits(), 0U);
  monitor_.PollOnce();
  EXPECT_EQ(agents_.HeldWaits(), 0U);
}

TEST(FleetMonitorPollOnlyTest, NoWaitsWhenTheyAreTurnedOff) {
  FakeClock clock;
  FakeAgents agents;
  agents.AddNode("node-a", 1, 8, 24 * kGiB);
  FleetMonitor monitor(agents, agents, clock, {.change_wait = std::chrono::seconds(0)},
                       testing::QuietLogger());
  monitor.PollOnce();
  EXPECT_EQ(agents.HeldWaits(), 0U);
}

}  // namespace
}  // namespace tessera::controller
