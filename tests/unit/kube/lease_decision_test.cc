#include "kube/lease_decision.h"

#include <chrono>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/clock.h"
#include "base/time_format.h"

namespace tessera::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

class LeaseTrackerTest : public ::testing::Test {
 protected:
  LeaseDecision Decide(const std::optional<LeaderElectionRecord>& current) {
    return tracker_.Decide(current, clock_.Now(), clock_.WallNow());
  }

  // What the other candidate's renewals look like.
  static LeaderElectionRecord Held(const std::string& holder, int renewal) {
    return {holder, 15, "2026-01-01T00:00:00.000000Z",
            "2026-01-01T00:00:" + std::to_string(10 + renewal) + ".000000Z", 4};
  }

  FakeClock clock_;
  LeaseTracker tracker_{"me", seconds(15)};
};

TEST_F(LeaseTrackerTest, MissingLeaseIsCreatedHeld) {
  const LeaseDecision decision = Decide(std::nullopt);
  EXPECT_EQ(decision.action, LeaseAction::kCreate);
  EXPECT_EQ(decision.record.holder_identity, "me");
  EXPECT_EQ(decision.record.lease_duration_seconds, 15);
  EXPECT_EQ(decision.record.acquire_time, FormatRfc3339Micros(clock_.WallNow()));
  EXPECT_EQ(decision.record.acquire_time, "2026-01-01T00:00:00.000000Z");
  EXPECT_EQ(decision.record.renew_time, decision.record.acquire_time);
  EXPECT_EQ(decision.record.leader_transitions, 0);
}

TEST_F(LeaseTrackerTest, HeldLeaseExpiresOnlyAfterOurOwnLeaseDuration) {
  EXPECT_EQ(Decide(Held("other", 0)).action, LeaseAction::kWait);
  EXPECT_EQ(tracker_.Holder(), "other");
  clock_.Advance(seconds(14));
  EXPECT_EQ(Decide(Held("other", 0)).action, LeaseAction::kWait);
  clock_.Advance(milliseconds(999));
  EXPECT_EQ(Decide(Held("other", 0)).action, LeaseAction::kWait);
  clock_.Advance(milliseconds(1));
  const LeaseDecision takeover = Decide(Held("other", 0));
  EXPECT_EQ(takeover.action, LeaseAction::kUpdate);
  EXPECT_EQ(takeover.record.holder_identity, "me");
  EXPECT_EQ(takeover.record.leader_transitions, 5);
  EXPECT_EQ(takeover.record.acquire_time, FormatRfc3339Micros(clock_.WallNow()));
}

TEST_F(LeaseTrackerTest, RenewalsByTheHolderRestartTheCountdown) {
  EXPECT_EQ(Decide(Held("other", 0)).action, LeaseAction::kWait);
  for (int renewal = 1; renewal <= 20; ++renewal) {
    clock_.Advance(seconds(10));
    EXPECT_EQ(Decide(Held("other", renewal)).action, LeaseAction::kWait) << renewal;
  }
  clock_.Advance(seconds(15));
  EXPECT_EQ(Decide(Held("other", 20)).action, LeaseAction::kUpdate);
}

TEST_F(LeaseTrackerTest, RemoteTimestampsAreIgnored) {
  // The holder's clock is a year behind ours and its renewTime never
  // "looks" current: what counts is that the record keeps changing.
  LeaderElectionRecord stale = Held("other", 0);
  stale.renew_time = "2025-01-01T00:00:00.000000Z";
  EXPECT_EQ(Decide(stale).action, LeaseAction::kWait);
  // And a renewTime far in the future does not extend the lease either.
  clock_.Advance(seconds(20));
  LeaderElectionRecord future = Held("other", 0);
  EXPECT_EQ(Decide(stale).action, LeaseAction::kUpdate);
  LeaseTracker fresh("me", seconds(15));
  future.renew_time = "2099-01-01T00:00:00.000000Z";
  EXPECT_EQ(fresh.Decide(future, clock_.Now(), clock_.WallNow()).action, LeaseAction::kWait);
  clock_.Advance(seconds(16));
  EXPECT_EQ(fresh.Decide(future, clock_.Now(), clock_.WallNow()).action, LeaseAction::kUpdate);
}

TEST_F(LeaseTrackerTest, TheHoldersDurationCounts) {
  LeaderElectionRecord record = Held("other", 0);
  record.lease_duration_seconds = 60;
  EXPECT_EQ(Decide(record).action, LeaseAction::kWait);
  clock_.Advance(seconds(30));
  EXPECT_EQ(Decide(record).action, LeaseAction::kWait);
  clock_.Advance(seconds(30));
  EXPECT_EQ(Decide(record).action, LeaseAction::kUpdate);
}

TEST_F(LeaseTrackerTest, AReleasedLeaseIsTakenAtOnce) {
  LeaderElectionRecord released{"", 1, "2026-01-01T00:00:00.000000Z", "2026-01-01T00:00:09.000000Z",
                                3};
  const LeaseDecision decision = Decide(released);
  EXPECT_EQ(decision.action, LeaseAction::kUpdate);
  EXPECT_EQ(decision.record.leader_transitions, 4);
}

TEST_F(LeaseTrackerTest, LeaderRenewsKeepingAcquireTimeAndTransitions) {
  LeaderElectionRecord mine{"me", 15, "2026-01-01T00:00:00.000000Z", "2026-01-01T00:00:00.000000Z",
                            2};
  tracker_.Observe(mine, clock_.Now());
  EXPECT_TRUE(tracker_.IsLeader());
  clock_.Advance(seconds(2));
  const LeaseDecision renewal = Decide(mine);
  EXPECT_EQ(renewal.action, LeaseAction::kUpdate);
  EXPECT_EQ(renewal.record.acquire_time, "2026-01-01T00:00:00.000000Z");
  EXPECT_EQ(renewal.record.renew_time, "2026-01-01T00:00:02.000000Z");
  EXPECT_EQ(renewal.record.leader_transitions, 2);
  const LeaderElectionRecord fast = tracker_.RenewalRecord(clock_.WallNow());
  EXPECT_EQ(fast, renewal.record);
}

TEST_F(LeaseTrackerTest, ALeaderThatSeesAnotherHolderStepsBack) {
  tracker_.Observe({"me", 15, "t", "t", 1}, clock_.Now());
  EXPECT_EQ(Decide(Held("other", 3)).action, LeaseAction::kWait);
  EXPECT_FALSE(tracker_.IsLeader());
}

// A restarted process with the same identity finds the lease its
// predecessor held: it takes it back once nobody has renewed it for the
// grace, not after the whole lease; a live process with the same identity
// keeps renewing, so it is never joined as a second leader.
TEST(LeaseTrackerOwnNameTest, ALeaseInOurNameIsTakenBackAfterTheGrace) {
  FakeClock clock;
  LeaseTracker tracker("me", seconds(15), seconds(5));
  const LeaderElectionRecord predecessor{"me", 15, "2026-01-01T00:00:00.000000Z",
                                         "2026-01-01T00:00:10.000000Z", 2};
  EXPECT_EQ(tracker.Decide(predecessor, clock.Now(), clock.WallNow()).action, LeaseAction::kWait);
  EXPECT_TRUE(tracker.WaitingOnOwnName());
  clock.Advance(milliseconds(4999));
  EXPECT_EQ(tracker.Decide(predecessor, clock.Now(), clock.WallNow()).action, LeaseAction::kWait);
  clock.Advance(milliseconds(1));
  EXPECT_FALSE(tracker.IsLeader()) << "not this process's lease yet";
  const LeaseDecision resumed = tracker.Decide(predecessor, clock.Now(), clock.WallNow());
  EXPECT_EQ(resumed.action, LeaseAction::kUpdate);
  EXPECT_EQ(resumed.record.acquire_time, FormatRfc3339Micros(clock.WallNow()))
      << "a takeover by a new process";
  EXPECT_EQ(resumed.record.leader_transitions, 3);
  EXPECT_FALSE(tracker.WaitingOnOwnName());
}

TEST(LeaseTrackerOwnNameTest, ALiveProcessWithOurNameIsNeverJoined) {
  FakeClock clock;
  LeaseTracker tracker("me", seconds(15), seconds(5));
  for (int renewal = 0; renewal < 20; ++renewal) {
    const LeaderElectionRecord twin{"me", 15, "2026-01-01T00:00:00.000000Z",
                                    "2026-01-01T00:01:" + std::to_string(10 + renewal) + ".000000Z",
                                    0};
    EXPECT_EQ(tracker.Decide(twin, clock.Now(), clock.WallNow()).action, LeaseAction::kWait)
        << renewal;
    clock.Advance(seconds(2));
  }
}

TEST(LeaseTrackerOwnNameTest, RecordsThisProcessWroteAreRenewedAtOnce) {
  FakeClock clock;
  LeaseTracker tracker("me", seconds(15), seconds(5));
  const LeaderElectionRecord mine{"me", 15, "2026-01-01T00:00:00.000000Z",
                                  "2026-01-01T00:00:00.000000Z", 0};
  tracker.Observe(mine, clock.Now());
  clock.Advance(seconds(2));
  EXPECT_EQ(tracker.Decide(mine, clock.Now(), clock.WallNow()).action, LeaseAction::kUpdate);
}

TEST_F(LeaseTrackerTest, ValidityAndRelease) {
  EXPECT_FALSE(tracker_.IsLeaseValid(clock_.Now()));
  tracker_.Observe({"me", 15, "a", "b", 7}, clock_.Now());
  EXPECT_TRUE(tracker_.IsLeaseValid(clock_.Now() + seconds(14)));
  EXPECT_FALSE(tracker_.IsLeaseValid(clock_.Now() + seconds(15)));
  const LeaderElectionRecord release = tracker_.ReleaseRecord(clock_.WallNow());
  EXPECT_EQ(release.holder_identity, "");
  EXPECT_EQ(release.lease_duration_seconds, 1);
  EXPECT_EQ(release.leader_transitions, 7);
}

TEST(LeaseRecordTest, RoundTripsThroughALease) {
  const LeaderElectionRecord record{"me", 15, "2026-01-01T00:00:00.000000Z",
                                    "2026-01-01T00:00:05.000000Z", 3};
  const nlohmann::json lease = LeaseWithRecord(
      {{"metadata", {{"name", "l"}, {"resourceVersion", "9"}}}, {"spec", {{"strategy", "x"}}}},
      record);
  EXPECT_EQ(lease["metadata"]["resourceVersion"], "9");
  EXPECT_EQ(lease["spec"]["strategy"], "x");
  EXPECT_EQ(lease["spec"]["holderIdentity"], "me");
  EXPECT_EQ(lease["spec"]["leaseDurationSeconds"], 15);
  const auto back = RecordFromLease(lease);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, record);

  const nlohmann::json no_times = LeaseWithRecord(lease, {"", 1, "", "", 3});
  EXPECT_FALSE(no_times["spec"].contains("renewTime"));
  EXPECT_EQ(RecordFromLease({{"metadata", {}}})->holder_identity, "");
  EXPECT_THAT(RecordFromLease({{"spec", {{"leaseDurationSeconds", "15"}}}}).status().message(),
              HasSubstr("spec.leaseDurationSeconds: must be an integer"));
}

}  // namespace
}  // namespace tessera::kube
