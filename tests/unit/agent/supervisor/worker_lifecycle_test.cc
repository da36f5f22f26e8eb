#include "agent/supervisor/worker_lifecycle.h"

#include <csignal>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::agent {
namespace {

using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Kind = WorkerAction::Kind;

constexpr WorkerAction kSpawn{.kind = Kind::kSpawn};
constexpr WorkerAction kProbe{.kind = Kind::kProbe};
constexpr WorkerAction kReadLoad{.kind = Kind::kReadLoad};
constexpr WorkerAction kTerm{.kind = Kind::kSignal, .signal = SIGTERM};
constexpr WorkerAction kKill{.kind = Kind::kSignal, .signal = SIGKILL};

SupervisionPolicy Policy() {
  SupervisionPolicy policy;
  policy.readiness_period = milliseconds(100);
  policy.liveness_period = milliseconds(1000);
  policy.liveness_failure_threshold = 3;
  policy.backoff_initial = milliseconds(200);
  policy.backoff_max = milliseconds(1000);
  policy.spawn_floor = milliseconds(500);
  policy.backoff_reset_after = milliseconds(10'000);
  policy.crash_loop_threshold = 3;
  policy.drain_poll_period = milliseconds(50);
  policy.kill_timeout = milliseconds(2000);
  return policy;
}

class WorkerLifecycleTest : public ::testing::Test {
 protected:
  using TimePoint = WorkerLifecycle::TimePoint;

  std::vector<WorkerAction> At(milliseconds t) { return lifecycle_.Due(Time(t)); }
  static TimePoint Time(milliseconds t) { return TimePoint(std::chrono::hours(1)) + t; }

  // Start, spawn at t=0 and become ready at t=100 ms.
  void BringUp() {
    lifecycle_.Start(Time(milliseconds(0)));
    ASSERT_THAT(At(milliseconds(0)), ElementsAre(kSpawn));
    lifecycle_.Spawned(Time(milliseconds(0)));
    ASSERT_THAT(At(milliseconds(100)), ElementsAre(kProbe));
    lifecycle_.ProbeFinished(Time(milliseconds(100)), true, "");
    ASSERT_EQ(lifecycle_.state(), wire::WorkerState::kReady);
  }

  WorkerLifecycle lifecycle_{Policy(), milliseconds(5000)};
};

TEST_F(WorkerLifecycleTest, StartsProbesUntilHealthyAndRecordsStartupTime) {
  EXPECT_THAT(At(milliseconds(0)), IsEmpty()) << "nothing happens before Start";
  lifecycle_.Start(Time(milliseconds(0)));
  EXPECT_THAT(At(milliseconds(0)), ElementsAre(kSpawn));
  EXPECT_THAT(At(milliseconds(1)), IsEmpty()) << "one spawn at a time";
  lifecycle_.Spawned(Time(milliseconds(0)));
  EXPECT_EQ(lifecycle_.state(), wire::WorkerState::kStarting);
  EXPECT_EQ(lifecycle_.NextWakeup(), Time(milliseconds(100)));
  EXPECT_THAT(At(milliseconds(100)), ElementsAre(kProbe));
  EXPECT_THAT(At(milliseconds(150)), IsEmpty()) << "one probe in flight at a time";
  lifecycle_.ProbeFinished(Time(milliseconds(160)), false, "connection refused");
  EXPECT_EQ(lifecycle_.state(), wire::WorkerState::kStarting);
  EXPECT_THAT(At(milliseconds(260)), ElementsAre(kProbe));
  lifecycle_.ProbeFinished(Time(milliseconds(300)), true, "");
  EXPECT_EQ(lifecycle_.state(), wire::WorkerState::kReady);
  EXPECT_DOUBLE_EQ(*lifecycle_.startup_seconds(), 0.3);
  EXPECT_EQ(lifecycle_.NextWakeup(), Time(milliseconds(1300))) << "liveness period";
}

TEST_F(WorkerLifecycleTest, CrashesBackOffExponentiallyWithFloorAndReportCrashLoop) {
  BringUp();
  lifecycle_.Exited(Time(milliseconds(1000)), "exit code 1");
  EXPECT_EQ(lifecycle_.state(), wire::WorkerState::kBackoff);
  EXPECT_EQ(lifecycle_.restarts(), 1);
  EXPECT_THAT(lifecycle_.reason(), HasSubstr("engine exited: exit code 1"));
  EXPECT_EQ(lifecycle_.NextWakeup(), Time(milliseconds(1200)));  // 200 ms backoff
  EXPECT_THAT(At(milliseconds(1199)), IsEmpty());
  EXPECT_THAT(At(milliseconds(1200)), ElementsAre(kSpawn));
  lifecycle_.Spawned(Time(milliseconds(1200)));
  lifecycle_.Exited(Time(milliseconds(1250)), "exit code 1");
  // 400 ms backoff, but the floor keeps spawns 500 ms apart... 1650 wins.
  EXPECT_EQ(lifecycle_.NextWakeup(), Time(milliseconds(1700)));
  EXPECT_FALSE(lifecycle_.crash_looping());
  EXPECT_THAT(At(milliseconds(1700)), ElementsAre(kSpawn));
  lifecycle_.Spawned(Time(milliseconds(1700)));
  lifecycle_.Exited(Time(milliseconds(1700)), "killed by signal 11");
  EXPECT_EQ(lifecycle_.NextWakeup(), Time(milliseconds(2500)));  // 800 ms
  EXPECT_TRUE(lifecycle_.crash_looping());
  EXPECT_EQ(lifecycle_.restarts(), 3);
  lifecycle_.Spawned(Time(milliseconds(2500)));
  lifecycle_.Exited(Time(milliseconds(2500)), "exit code 1");
  EXPECT_EQ(lifecycle_.NextWakeup(), Time(milliseconds(3500))) << "capped at 1 s";
}

TEST_F(WorkerLifecycleTest, ReadyLongEnoughForgivesPastFailures) {
  BringUp();
  lifecycle_.Exited(Time(milliseconds(200)), "exit code 1");
  ASSERT_THAT(At(milliseconds(600)), ElementsAre(kSpawn));
  lifecycle_.Spawned(Time(milliseconds(600)));
  lifecycle_.ProbeFinished(Time(milliseconds(700)), true, "");
  EXPECT_EQ(lifecycle_.consecutive_failures(), 1);
  (void)At(milliseconds(10'700));
  EXPECT_EQ(lifecycle_.consecutive_failures(), 0);
  EXPECT_EQ(lifecycle_.restarts(), 1) << "restarts are history, never forgiven";
}

TEST_F(WorkerLifecycleTest, StartupTimeoutKillsAndRestarts) {
  lifecycle_.Start(Time(milliseconds(0)));
  (void)At(milliseconds(0));
  lifecycle_.Spawned(Time(milliseconds(0)));
  EXPECT_THAT(At(milliseconds(5000)), ElementsAre(kKill));
  lifecycle_.Exited(Time(milliseconds(5001)), "killed by signal 9");
  EXPECT_EQ(lifecycle_.state(), wire::WorkerState::kBackoff);
  EXPECT_THAT(lifecycle_.reason(), HasSubstr("startup timeout"));
}

TEST_F(WorkerLifecycleTest, RepeatedLivenessFailuresKill) {
  BringUp();
  for (int i = 1; i <= 3; ++i) {
    const milliseconds t(100 + 1000 * i);
    ASSERT_THAT(At(t), ElementsAre(kProbe)) << i;
    lifecycle_.ProbeFinished(Time(t), false, "timed out after 2s");
  }
  EXPECT_THAT(lifecycle_.reason(), HasSubstr("liveness probe failed 3 time(s): timed out"));
  EXPECT_THAT(At(milliseconds(3101)), ElementsAre(kKill));
  EXPECT_THAT(At(milliseconds(3102)), IsEmpty());
  lifecycle_.Exited(Time(milliseconds(3110)), "killed by signal 9");
  EXPECT_EQ(lifecycle_.state(), wire::WorkerState::kBackoff);
  EXPECT_EQ(lifecycle_.restarts(), 1);
}

TEST_F(WorkerLifecycleTest, DrainWaitsForInFlightRequestsThenTerminates) {
  BringUp();
  lifecycle_.Stop(Time(milliseconds(1000)), milliseconds(30'000));
  EXPECT_EQ(lifecycle_.state(), wire::WorkerState::kDraining);
  EXPECT_THAT(At(milliseconds(1000)), ElementsAre(kReadLoad));
  lifecycle_.LoadRead(Time(milliseconds(1010)), 3.0);
  EXPECT_THAT(At(milliseconds(1060)), ElementsAre(kReadLoad));
  lifecycle_.LoadRead(Time(milliseconds(1070)), 0.0);
  EXPECT_THAT(At(milliseconds(1070)), ElementsAre(kTerm));
  EXPECT_EQ(lifecycle_.state(), wire::WorkerState::kStopping);
  EXPECT_EQ(lifecycle_.NextWakeup(), Time(milliseconds(3070)));
  lifecycle_.Exited(Time(milliseconds(1500)), "exit code 0");
  EXPECT_EQ(lifecycle_.state(), wire::WorkerState::kStopped);
  EXPECT_EQ(lifecycle_.restarts(), 0);
  EXPECT_THAT(At(milliseconds(5000)), IsEmpty()) << "a stopped worker is never respawned";
}

TEST_F(WorkerLifecycleTest, GraceExpiryTerminatesThenKills) {
  BringUp();
  lifecycle_.Stop(Time(milliseconds(1000)), milliseconds(500));
  (void)At(milliseconds(1000));
  lifecycle_.LoadRead(Time(milliseconds(1000)), 5.0);
  EXPECT_THAT(At(milliseconds(1500)), ElementsAre(kTerm));
  EXPECT_THAT(At(milliseconds(3499)), IsEmpty());
  EXPECT_THAT(At(milliseconds(3500)), ElementsAre(kKill));
}

TEST_F(WorkerLifecycleTest, ZeroGraceKillsAtOnce) {
  BringUp();
  lifecycle_.Stop(Time(milliseconds(1000)), milliseconds(0));
  EXPECT_THAT(At(milliseconds(1000)), ElementsAre(kKill));
}

TEST_F(WorkerLifecycleTest, StopWithoutProcessStopsAtOnce) {
  BringUp();
  lifecycle_.Exited(Time(milliseconds(200)), "exit code 1");
  lifecycle_.Stop(Time(milliseconds(250)), milliseconds(30'000));
  EXPECT_EQ(lifecycle_.state(), wire::WorkerState::kStopped);
  EXPECT_THAT(At(milliseconds(10'000)), IsEmpty());
}

TEST_F(WorkerLifecycleTest, SpawnFailureIsFailedAndRetried) {
  lifecycle_.Start(Time(milliseconds(0)));
  (void)At(milliseconds(0));
  lifecycle_.SpawnFailed(Time(milliseconds(0)), "cannot execute /bin/nope: No such file");
  EXPECT_EQ(lifecycle_.state(), wire::WorkerState::kFailed);
  EXPECT_EQ(lifecycle_.NextWakeup(), Time(milliseconds(500)));
  EXPECT_THAT(At(milliseconds(500)), ElementsAre(kSpawn));
}

TEST_F(WorkerLifecycleTest, AdoptedReadyWorkerIsProbedNotRestarted) {
  lifecycle_.Adopt(Time(milliseconds(0)), /*was_ready=*/true);
  EXPECT_EQ(lifecycle_.state(), wire::WorkerState::kReady);
  EXPECT_THAT(At(milliseconds(0)), ElementsAre(kProbe));
  EXPECT_EQ(lifecycle_.restarts(), 0);
}

// Issue 13, item 5: a kill the agent could not carry out used to be recorded
// as sent; the worker then stayed "stopping" (or "ready") forever.
TEST_F(WorkerLifecycleTest, FailedKillIsRetriedUntilItIsSent) {
  BringUp();
  lifecycle_.Stop(Time(milliseconds(1000)), milliseconds(0));
  EXPECT_THAT(At(milliseconds(1000)), ElementsAre(kKill));
  lifecycle_.SignalFailed(Time(milliseconds(1000)), SIGKILL, "cannot read /proc/42/stat");
  EXPECT_EQ(lifecycle_.state(), wire::WorkerState::kStopping);
  EXPECT_THAT(lifecycle_.reason(), HasSubstr("cannot signal the engine (SIGKILL)"));
  EXPECT_EQ(lifecycle_.NextWakeup(), Time(milliseconds(2000)));
  EXPECT_THAT(At(milliseconds(1500)), IsEmpty()) << "not before the retry period";
  EXPECT_THAT(At(milliseconds(2000)), ElementsAre(kKill));
  EXPECT_EQ(lifecycle_.NextWakeup(), std::nullopt) << "sent; only the exit moves it on";
  lifecycle_.Exited(Time(milliseconds(2100)), "killed by signal 9");
  EXPECT_EQ(lifecycle_.state(), wire::WorkerState::kStopped);
}

TEST_F(WorkerLifecycleTest, FailedTermDuringDrainIsRetriedAndTheKillStillFollows) {
  BringUp();
  lifecycle_.Stop(Time(milliseconds(1000)), milliseconds(100));
  ASSERT_THAT(At(milliseconds(1000)), ElementsAre(kReadLoad));
  EXPECT_THAT(At(milliseconds(1100)), ElementsAre(kTerm));
  lifecycle_.SignalFailed(Time(milliseconds(1100)), SIGTERM, "kill: Operation not permitted");
  EXPECT_THAT(At(milliseconds(2100)), ElementsAre(kTerm));
  EXPECT_THAT(At(milliseconds(3100)), ElementsAre(kKill)) << "kill_timeout after the drain";
}

TEST_F(WorkerLifecycleTest, FailedLivenessKillIsRetried) {
  BringUp();
  for (int probe = 1; probe <= 3; ++probe) {
    const milliseconds at(100 + 1000 * probe);
    ASSERT_THAT(At(at), ElementsAre(kProbe));
    lifecycle_.ProbeFinished(Time(at), false, "connection refused");
  }
  EXPECT_THAT(At(milliseconds(3100)), ElementsAre(kKill));
  lifecycle_.SignalFailed(Time(milliseconds(3100)), SIGKILL, "cannot read /proc/42/stat");
  EXPECT_EQ(lifecycle_.NextWakeup(), Time(milliseconds(4100)));
  EXPECT_THAT(At(milliseconds(4100)), ElementsAre(kKill));
}

TEST_F(WorkerLifecycleTest, RetryNoLongerWantedIsDropped) {
  BringUp();
  lifecycle_.Stop(Time(milliseconds(1000)), milliseconds(0));
  (void)At(milliseconds(1000));
  lifecycle_.SignalFailed(Time(milliseconds(1000)), SIGKILL, "EPERM");
  lifecycle_.Exited(Time(milliseconds(1200)), "exit code 0");
  EXPECT_EQ(lifecycle_.NextWakeup(), std::nullopt);
}

// Issue 13, item 4: a probe the agent could not make (out of descriptors)
// used to count as a failure, and three of them killed a healthy engine.
TEST_F(WorkerLifecycleTest, InconclusiveProbesNeverKill) {
  BringUp();
  for (int probe = 1; probe <= 10; ++probe) {
    const milliseconds at(100 + 1000 * probe);
    ASSERT_THAT(At(at), ElementsAre(kProbe)) << probe;
    lifecycle_.ProbeInconclusive(Time(at));
  }
  EXPECT_EQ(lifecycle_.state(), wire::WorkerState::kReady);
  EXPECT_EQ(lifecycle_.NextWakeup(), Time(milliseconds(11'100)));
}

}  // namespace
}  // namespace tessera::agent
