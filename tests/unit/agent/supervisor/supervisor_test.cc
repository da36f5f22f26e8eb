// The supervisor on fakes (supervisor_harness.h): time moves only when a test
// moves it, processes live in a table, and every probe and scrape waits for
// the test's answer.

#include "agent/supervisor/supervisor.h"

#include <csignal>
#include <span>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/file.h"
#include "tests/unit/agent/fakes/supervisor_harness.h"

namespace tessera::agent {
namespace {

using ::std::chrono::hours;
using ::std::chrono::milliseconds;
using ::std::chrono::minutes;
using ::std::chrono::seconds;
using ::testing::_;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Optional;
using ::testing::SizeIs;
using testing::SupervisorHarness;

constexpr std::string_view kIdle =
    "vllm:num_requests_running{model_name=\"m\"} 0\nvllm:num_requests_waiting{model_name=\"m\"} "
    "0\n";
constexpr std::string_view kThreeInFlight =
    "# TYPE vllm:num_requests_running gauge\n"
    "vllm:num_requests_running{model_name=\"m\"} 2\nvllm:num_requests_waiting{model_name=\"m\"} "
    "1\n";

class SupervisorTest : public ::testing::Test {
 protected:
  void SetUp() override { Restart(); }

  // A fresh supervisor on the same node and state directory, as after an
  // agent restart. Scrapes are kept out of the way unless a test wants them.
  void Restart(std::optional<SupervisorOptions> options = std::nullopt) {
    supervisor_.reset();
    if (!options) {
      options = harness_.DefaultOptions();
      options->scrape_period = hours(1);
    }
    supervisor_ = harness_.Make(*options);
    ASSERT_TRUE(supervisor_->Recover().ok());
  }

  // Creates worker `id` and answers its first readiness probe: ready.
  pid_t StartReady(const std::string& id, std::vector<int> partitions = {0}) {
    StatusOr<Supervisor::ApplyOutcome> outcome =
        supervisor_->Apply(id, SupervisorHarness::SimSpec(std::move(partitions)));
    EXPECT_TRUE(outcome.ok()) << outcome.status();
    const pid_t pid = harness_.processes.last_launched();
    harness_.Advance(milliseconds(500));
    EXPECT_EQ(harness_.health_probes.Answer("/health", std::string("ok")), 1);
    EXPECT_EQ(Status(id).state, wire::WorkerState::kReady);
    return pid;
  }

  WorkerStatus Status(const std::string& id) {
    StatusOr<WorkerStatus> status = supervisor_->GetWorker(id);
    EXPECT_TRUE(status.ok()) << status.status();
    return status.ok() ? *status : WorkerStatus{};
  }

  const std::vector<int>& Signals(pid_t pid) const {
    return harness_.processes.process(pid).signals;
  }

  SupervisorHarness harness_;
  std::unique_ptr<Supervisor> supervisor_;
};

TEST_F(SupervisorTest, CreatesAWorkerPinnedToItsPartitionAndProbesItReady) {
  StatusOr<Supervisor::ApplyOutcome> outcome =
      supervisor_->Apply("w-0", SupervisorHarness::SimSpec({3}));
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(*outcome, Supervisor::ApplyOutcome::kCreated);
  ASSERT_THAT(harness_.processes.launched(), SizeIs(1));
  const testing::FakeProcessLauncher::Process& process =
      harness_.processes.process(harness_.processes.last_launched());
  EXPECT_EQ(process.spec.argv.front(), "tessera-engine-sim");
  EXPECT_THAT(process.spec.argv, Contains("20000"));
  EXPECT_EQ(process.spec.env.at("HIP_VISIBLE_DEVICES"), "3");
  EXPECT_EQ(process.spec.log_path, (harness_.root / "logs" / "w-0.log").string());

  WorkerStatus starting = Status("w-0");
  EXPECT_EQ(starting.state, wire::WorkerState::kStarting);
  EXPECT_EQ(starting.pid, harness_.processes.last_launched());
  EXPECT_EQ(starting.url, "http://node-a:20000");
  EXPECT_THAT(harness_.health_probes.PendingUrls(), IsEmpty()) << "first probe after 500 ms";

  harness_.Advance(milliseconds(499));
  EXPECT_THAT(harness_.health_probes.PendingUrls(), IsEmpty());
  harness_.Advance(milliseconds(1));
  EXPECT_THAT(harness_.health_probes.PendingUrls(), ElementsAre("http://127.0.0.1:20000/health"));
  harness_.health_probes.AnswerAll(UnavailableError("connection refused"));
  EXPECT_EQ(Status("w-0").state, wire::WorkerState::kStarting) << "not ready yet, not a failure";

  harness_.Advance(milliseconds(500));
  harness_.health_probes.AnswerAll(std::string("ok"));
  const WorkerStatus ready = Status("w-0");
  EXPECT_EQ(ready.state, wire::WorkerState::kReady);
  EXPECT_THAT(ready.startup_seconds, Optional(1.0));
  EXPECT_EQ(ready.reason, "");

  EXPECT_EQ(*supervisor_->Apply("w-0", SupervisorHarness::SimSpec({3})),
            Supervisor::ApplyOutcome::kUnchanged);
  EXPECT_THAT(harness_.processes.launched(), SizeIs(1)) << "the same spec twice is a no-op";
}

TEST_F(SupervisorTest, CrashIsRestartedAfterABackoffThatDoubles) {
  const pid_t first = StartReady("w-0");

  harness_.processes.Exit(first, {.exit_code = 1});
  WorkerStatus crashed = Status("w-0");
  EXPECT_EQ(crashed.state, wire::WorkerState::kBackoff);
  EXPECT_EQ(crashed.pid, 0);
  EXPECT_EQ(crashed.restarts, 1);
  EXPECT_THAT(crashed.last_exit, Optional(std::string("exit code 1")));
  EXPECT_THAT(crashed.last_exit_code, Optional(1));
  EXPECT_THAT(crashed.last_failure, Optional(std::string("engine exited: exit code 1")));
  // Spawned at 0, crashed at 0.5 s: restarted 1 s after the crash.
  EXPECT_EQ(crashed.next_restart, harness_.clock.WallNow() + seconds(1));

  harness_.Advance(milliseconds(999));
  EXPECT_THAT(harness_.processes.launched(), SizeIs(1));
  harness_.Advance(milliseconds(1));
  ASSERT_THAT(harness_.processes.launched(), SizeIs(2));
  EXPECT_EQ(Status("w-0").state, wire::WorkerState::kStarting);

  const pid_t second = harness_.processes.last_launched();
  harness_.processes.Exit(second, {.signal = SIGSEGV});
  crashed = Status("w-0");
  EXPECT_THAT(crashed.last_exit, Optional(std::string("killed by signal 11")));
  EXPECT_EQ(crashed.last_exit_code, std::nullopt) << "killed, so no exit code";
  EXPECT_FALSE(crashed.crash_loop);
  harness_.Advance(milliseconds(1999));
  EXPECT_THAT(harness_.processes.launched(), SizeIs(2)) << "the second failure waits 2 s";
  harness_.Advance(milliseconds(1));
  ASSERT_THAT(harness_.processes.launched(), SizeIs(3));

  harness_.processes.Exit(harness_.processes.last_launched(), {.exit_code = 1});
  EXPECT_TRUE(Status("w-0").crash_loop) << "three failures without becoming ready";
  EXPECT_EQ(Status("w-0").restarts, 3);
}

TEST_F(SupervisorTest, DeleteDrainsForTheGraceThenTermsThenKills) {
  const pid_t pid = StartReady("w-0");

  ASSERT_TRUE(supervisor_->Delete("w-0", seconds(5)).ok());
  EXPECT_EQ(Status("w-0").state, wire::WorkerState::kDraining);
  EXPECT_THAT(harness_.engine_metrics.PendingUrls(), ElementsAre("http://127.0.0.1:20000/metrics"));
  harness_.engine_metrics.AnswerAll(std::string(kThreeInFlight));
  EXPECT_THAT(Status("w-0").in_flight, Optional(3.0));
  EXPECT_THAT(Signals(pid), IsEmpty()) << "requests in flight: the drain goes on";

  harness_.Advance(milliseconds(250));
  EXPECT_EQ(harness_.engine_metrics.AnswerAll(std::string(kThreeInFlight)), 1)
      << "the load is read every 250 ms";
  harness_.Advance(milliseconds(4749));
  EXPECT_THAT(Signals(pid), IsEmpty());
  harness_.Advance(milliseconds(1));
  EXPECT_THAT(Signals(pid), ElementsAre(SIGTERM));
  EXPECT_EQ(Status("w-0").state, wire::WorkerState::kStopping);
  EXPECT_EQ(Status("w-0").reason, "grace period over; stopping");

  harness_.Advance(milliseconds(9999));
  EXPECT_THAT(Signals(pid), ElementsAre(SIGTERM));
  harness_.Advance(milliseconds(1));
  EXPECT_THAT(Signals(pid), ElementsAre(SIGTERM, SIGKILL)) << "10 s after SIGTERM";

  harness_.processes.Exit(pid, {.signal = SIGKILL});
  EXPECT_EQ(supervisor_->GetWorker("w-0").status().code(), StatusCode::kNotFound);
  harness_.Advance(minutes(10));
  EXPECT_THAT(harness_.processes.launched(), SizeIs(1)) << "a deleted worker is not restarted";
  const nlohmann::json state =
      nlohmann::json::parse(*ReadFile(harness_.root / "state" / "workers.json"));
  EXPECT_THAT(state["workers"], IsEmpty());
}

TEST_F(SupervisorTest, AnIdleEngineIsStoppedBeforeItsGraceEnds) {
  const pid_t pid = StartReady("w-0");
  ASSERT_TRUE(supervisor_->Delete("w-0", std::nullopt).ok());
  harness_.engine_metrics.AnswerAll(std::string(kIdle));
  EXPECT_THAT(Signals(pid), ElementsAre(SIGTERM));
  EXPECT_EQ(Status("w-0").reason, "drained; stopping");
  harness_.processes.Exit(pid, {.exit_code = 0});
  EXPECT_THAT(supervisor_->Workers(), IsEmpty());
}

TEST_F(SupervisorTest, DeleteWithoutGraceKillsAtOnce) {
  const pid_t pid = StartReady("w-0");
  ASSERT_TRUE(supervisor_->Delete("w-0", seconds(0)).ok());
  EXPECT_THAT(Signals(pid), ElementsAre(SIGKILL));
  EXPECT_EQ(supervisor_->Delete("w-9", seconds(0)).code(), StatusCode::kNotFound);
}

TEST_F(SupervisorTest, ASignalThatCannotBeSentIsRetried) {
  const pid_t pid = StartReady("w-0");
  harness_.processes.set_signal_error(UnavailableError("cannot check process 4001: EMFILE"));
  ASSERT_TRUE(supervisor_->Delete("w-0", seconds(0)).ok());
  EXPECT_THAT(Signals(pid), IsEmpty());
  EXPECT_THAT(Status("w-0").reason, HasSubstr("cannot signal the engine (SIGKILL)"));
  harness_.processes.set_signal_error(OkStatus());
  harness_.Advance(milliseconds(999));
  EXPECT_THAT(Signals(pid), IsEmpty());
  harness_.Advance(milliseconds(1));
  EXPECT_THAT(Signals(pid), ElementsAre(SIGKILL));
}

TEST_F(SupervisorTest, ARestartedAgentAdoptsTheLiveProcess) {
  const pid_t pid = StartReady("w-0", {2});
  Restart();
  const WorkerStatus adopted = Status("w-0");
  EXPECT_TRUE(adopted.adopted);
  EXPECT_EQ(adopted.state, wire::WorkerState::kReady) << "it was ready when the agent stopped";
  EXPECT_EQ(adopted.pid, pid);
  EXPECT_EQ(adopted.port, 20000);
  EXPECT_THAT(harness_.processes.launched(), SizeIs(1)) << "adopted, not started again";
  EXPECT_TRUE(harness_.processes.watched(pid));

  // An adopted process is not the agent's child: how it ended is unknown.
  harness_.processes.Exit(pid);
  const WorkerStatus exited = Status("w-0");
  EXPECT_EQ(exited.state, wire::WorkerState::kBackoff);
  EXPECT_THAT(exited.last_exit, Optional(std::string("exited (adopted; exit status unknown)")));
  EXPECT_EQ(exited.last_exit_code, std::nullopt);
  harness_.Advance(seconds(1));
  EXPECT_THAT(harness_.processes.launched(), SizeIs(2));
}

TEST_F(SupervisorTest, ARestartedAgentRestartsAWorkerThatDiedMeanwhile) {
  const pid_t pid = StartReady("w-0");
  supervisor_.reset();
  EXPECT_FALSE(harness_.processes.watched(pid)) << "the agent's exit leaves the engine running";
  EXPECT_TRUE(harness_.processes.process(pid).alive);
  harness_.processes.Exit(pid, {.exit_code = 1});

  Restart();
  ASSERT_THAT(harness_.processes.launched(), SizeIs(2));
  const WorkerStatus restarted = Status("w-0");
  EXPECT_EQ(restarted.state, wire::WorkerState::kStarting);
  EXPECT_FALSE(restarted.adopted);
  EXPECT_EQ(restarted.restarts, 1);
  EXPECT_THAT(harness_.log->Lines(),
              Contains(HasSubstr("worker exited while the agent was down; restarting")));
}

TEST_F(SupervisorTest, ASpecChangeDrainsTheOldProcessThenStartsTheNewSpec) {
  const pid_t old = StartReady("w-0", {0});

  StatusOr<Supervisor::ApplyOutcome> outcome =
      supervisor_->Apply("w-0", SupervisorHarness::SimSpec({1}));
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(*outcome, Supervisor::ApplyOutcome::kReplaced);
  WorkerStatus replacing = Status("w-0");
  EXPECT_TRUE(replacing.replacing);
  EXPECT_EQ(replacing.state, wire::WorkerState::kDraining);
  EXPECT_THAT(replacing.held_partitions, ElementsAre(0, 1));
  EXPECT_EQ(*supervisor_->Apply("w-0", SupervisorHarness::SimSpec({1})),
            Supervisor::ApplyOutcome::kUnchanged);
  const class Status taken = supervisor_->Apply("w-1", SupervisorHarness::SimSpec({1})).status();
  EXPECT_EQ(taken.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(
      taken.message(),
      "partitions: partition 1 is held by worker \"w-0\" (draining, which is moving onto it)");
  EXPECT_THAT(harness_.processes.launched(), SizeIs(1)) << "the new spec waits for the old process";

  harness_.engine_metrics.AnswerAll(std::string(kIdle));
  EXPECT_THAT(Signals(old), ElementsAre(SIGTERM));
  harness_.processes.Exit(old, {.signal = SIGTERM});

  ASSERT_THAT(harness_.processes.launched(), SizeIs(2));
  const testing::FakeProcessLauncher::Process& replacement =
      harness_.processes.process(harness_.processes.last_launched());
  EXPECT_EQ(replacement.spec.env.at("HIP_VISIBLE_DEVICES"), "1");
  const WorkerStatus replaced = Status("w-0");
  EXPECT_FALSE(replaced.replacing);
  EXPECT_EQ(replaced.state, wire::WorkerState::kStarting);
  EXPECT_THAT(replaced.spec.partitions, ElementsAre(1));
  EXPECT_THAT(replaced.held_partitions, ElementsAre(1));
  EXPECT_EQ(replaced.restarts, 0) << "a replacement is not a failure";
  EXPECT_EQ(replaced.port, 20001) << "a new port, so no client of the old engine reaches it";
  EXPECT_TRUE(supervisor_->Apply("w-1", SupervisorHarness::SimSpec({0})).ok())
      << "the old partition is free again";
}

TEST_F(SupervisorTest, AnEngineNotReadyWithinItsStartupTimeoutIsKilledAndRestarted) {
  wire::WorkerSpec spec = SupervisorHarness::SimSpec();
  spec.startup_timeout_seconds = 10;
  ASSERT_TRUE(supervisor_->Apply("w-0", spec).ok());
  const pid_t pid = harness_.processes.last_launched();
  for (int probe = 0; probe < 3; ++probe) {
    harness_.Advance(milliseconds(500));
    EXPECT_EQ(harness_.health_probes.AnswerAll(UnavailableError("connection refused")), 1);
  }
  // The fourth probe never answers; the startup deadline does not wait for it.
  harness_.Advance(milliseconds(500));
  harness_.Advance(milliseconds(7999));
  EXPECT_THAT(Signals(pid), IsEmpty());
  harness_.Advance(milliseconds(1));
  EXPECT_THAT(Signals(pid), ElementsAre(SIGKILL));
  EXPECT_EQ(Status("w-0").reason, "not ready within the startup timeout (10s)");

  harness_.processes.Exit(pid, {.signal = SIGKILL});
  const WorkerStatus failed = Status("w-0");
  EXPECT_EQ(failed.state, wire::WorkerState::kBackoff);
  EXPECT_THAT(failed.last_failure,
              Optional(std::string("not ready within the startup timeout; killed by signal 9")));
  harness_.Advance(seconds(1));
  EXPECT_THAT(harness_.processes.launched(), SizeIs(2));
}

TEST_F(SupervisorTest, ThreeFailedLivenessProbesKillAReadyEngine) {
  const pid_t pid = StartReady("w-0");
  for (int failure = 1; failure <= 3; ++failure) {
    EXPECT_THAT(Signals(pid), IsEmpty());
    harness_.Advance(seconds(5));
    ASSERT_EQ(harness_.health_probes.AnswerAll(UnavailableError("read timed out")), 1);
    EXPECT_THAT(Status("w-0").reason,
                HasSubstr("liveness probe failed " + std::to_string(failure) + " time(s)"));
  }
  EXPECT_THAT(Signals(pid), ElementsAre(SIGKILL));
  harness_.processes.Exit(pid, {.signal = SIGKILL});
  EXPECT_THAT(
      Status("w-0").last_failure,
      Optional(std::string("liveness probe failed 3 time(s): read timed out; killed by signal 9")));
}

TEST_F(SupervisorTest, AProbeTheAgentCouldNotMakeIsNotHeldAgainstTheEngine) {
  const pid_t pid = StartReady("w-0");
  for (int probe = 0; probe < 5; ++probe) {
    harness_.Advance(seconds(5));
    ASSERT_EQ(harness_.health_probes.AnswerAll(ResourceExhaustedError("no descriptor left")), 1);
  }
  EXPECT_EQ(Status("w-0").state, wire::WorkerState::kReady);
  EXPECT_THAT(Signals(pid), IsEmpty());
}

TEST_F(SupervisorTest, APartitionAlreadyHeldIsRefusedNamingItsHolder) {
  StartReady("a", {0});
  const class Status held = supervisor_->Apply("b", SupervisorHarness::SimSpec({2, 0})).status();
  EXPECT_EQ(held.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(held.message(), "partitions: partition 0 is held by worker \"a\" (ready)");
  EXPECT_EQ(supervisor_->GetWorker("b").status().code(), StatusCode::kNotFound);
  EXPECT_THAT(harness_.processes.launched(), SizeIs(1));
}

TEST_F(SupervisorTest, SpecsTheNodeCannotRunAreRefusedNamingTheField) {
  wire::WorkerSpec engine = SupervisorHarness::SimSpec();
  engine.engine = "tgi";
  EXPECT_EQ(supervisor_->Apply("w-0", engine).status(),
            InvalidArgumentError("engine.kind: \"tgi\" is not in this agent's engine allow-list "
                                 "(sim, tessera-router, vllm)"));
  EXPECT_EQ(supervisor_->Apply("w-0", SupervisorHarness::SimSpec({99})).status(),
            InvalidArgumentError("partitions[0]: partition 99 does not exist on this node (it "
                                 "has 8, numbered 0-7)"));
  harness_.ports_in_use.insert(25000);
  wire::WorkerSpec bootstrap = SupervisorHarness::SimSpec();
  bootstrap.role = wire::WorkerRole::kPrefill;
  bootstrap.bootstrap_port = 25000;
  EXPECT_EQ(supervisor_->Apply("w-0", bootstrap).status(),
            AlreadyExistsError("bootstrapPort: port 25000 is in use on this node"));
  bootstrap.bootstrap_port = 8470;
  EXPECT_EQ(supervisor_->Apply("w-0", bootstrap).status(),
            AlreadyExistsError("bootstrapPort: port 8470 is the agent's own"));
  EXPECT_EQ(supervisor_->Apply("Not A Valid Id!", SupervisorHarness::SimSpec()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_THAT(harness_.processes.launched(), IsEmpty());
}

TEST_F(SupervisorTest, AnEngineThatCannotStartFailsAndIsTriedAgain) {
  harness_.processes.set_launch_error(
      UnavailableError("cannot start \"tessera-engine-sim\": No such file or directory"));
  ASSERT_TRUE(supervisor_->Apply("w-0", SupervisorHarness::SimSpec()).ok());
  const WorkerStatus failed = Status("w-0");
  EXPECT_EQ(failed.state, wire::WorkerState::kFailed);
  EXPECT_THAT(failed.reason, HasSubstr("No such file or directory"));
  harness_.processes.set_launch_error(OkStatus());
  harness_.Advance(milliseconds(999));
  EXPECT_THAT(harness_.processes.launched(), IsEmpty());
  harness_.Advance(milliseconds(1));
  EXPECT_THAT(harness_.processes.launched(), SizeIs(1));
}

class MockGpuBackend : public GpuBackend {
 public:
  MOCK_METHOD(std::string_view, name, (), (const, override));
  MOCK_METHOD(StatusOr<NodeInventory>, Read, (), (override));
  MOCK_METHOD(void, ObserveWorkloads, (std::span<const PartitionWorkload> workloads), (override));
};

TEST_F(SupervisorTest, ScrapedRequestsReachTheStatusAndTheGpuBackend) {
  ::testing::NiceMock<MockGpuBackend> gpus;
  ON_CALL(gpus, Read).WillByDefault([this] { return harness_.gpus.Read(); });
  std::vector<PartitionWorkload> observed;
  ON_CALL(gpus, ObserveWorkloads).WillByDefault([&observed](auto workloads) {
    observed.assign(workloads.begin(), workloads.end());
  });
  supervisor_.reset();
  SupervisorOptions options = harness_.DefaultOptions();
  options.scrape_period = seconds(2);
  supervisor_ = harness_.Make(options, &gpus);
  ASSERT_TRUE(supervisor_->Recover().ok());
  StartReady("w-0", {3});  // ready at 0.5 s

  EXPECT_CALL(gpus, ObserveWorkloads(_)).Times(2);
  harness_.Advance(milliseconds(1500));  // the first round, at 2 s
  EXPECT_EQ(harness_.engine_metrics.Answer("20000/metrics", std::string(kThreeInFlight)), 1);
  EXPECT_THAT(Status("w-0").in_flight, Optional(3.0));

  harness_.Advance(seconds(2));  // the next round reports what the first read
  const int64_t partition_vram = harness_.gpus.Read()->FindPartition(3)->vram_total_bytes;
  EXPECT_THAT(
      observed,
      ElementsAre(AllOf(Field(&PartitionWorkload::partition, 3),
                        Field(&PartitionWorkload::in_flight_requests, 3.0),
                        Field(&PartitionWorkload::reserved_vram_bytes,
                              static_cast<int64_t>(0.9 * static_cast<double>(partition_vram))))));
  harness_.engine_metrics.AnswerAll(UnavailableError("connection refused"));
  EXPECT_EQ(supervisor_->engine_scrape_failures(), 1);
  EXPECT_THAT(Status("w-0").in_flight, Optional(3.0)) << "a failed scrape keeps the last reading";
}

}  // namespace
}  // namespace tessera::agent
