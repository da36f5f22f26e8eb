// A router (tessera-router, role router) under the supervisor: a worker
// without partitions, launched, probed, restarted and adopted like any
// engine, with the agent's token for its admin API.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/supervisor/supervisor.h"
#include "tests/unit/agent/fakes/supervisor_harness.h"

namespace tessera::agent {
namespace {

using ::std::chrono::hours;
using ::std::chrono::milliseconds;
using ::std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using testing::SupervisorHarness;

class RouterWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override { Restart(); }

  void Restart() {
    supervisor_.reset();
    SupervisorOptions options = harness_.DefaultOptions();
    options.scrape_period = hours(1);
    supervisor_ = harness_.Make(options);
    ASSERT_TRUE(supervisor_->Recover().ok());
  }

  WorkerStatus Status(const std::string& id) {
    StatusOr<WorkerStatus> status = supervisor_->GetWorker(id);
    EXPECT_TRUE(status.ok()) << status.status();
    return status.ok() ? *status : WorkerStatus{};
  }

  SupervisorHarness harness_;
  std::unique_ptr<Supervisor> supervisor_;
};

TEST_F(RouterWorkerTest, StartsWithoutPartitionsAndIsProbedOnHealth) {
  StatusOr<Supervisor::ApplyOutcome> outcome =
      supervisor_->Apply("r-0", SupervisorHarness::RouterSpec());
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  const testing::FakeProcessLauncher::Process& process =
      harness_.processes.process(harness_.processes.last_launched());
  EXPECT_THAT(process.spec.argv,
              ElementsAre("tessera-router", "--host", "127.0.0.1", "--port", "20000",
                          "--served-model-name", "llama-8b", "--admin-token-file",
                          "/etc/tessera/agent-token", "--policy", "round_robin"));
  EXPECT_EQ(process.spec.env.at("HIP_VISIBLE_DEVICES"), "") << "a router sees no GPU";

  harness_.Advance(milliseconds(500));
  EXPECT_THAT(harness_.health_probes.PendingUrls(), ElementsAre("http://127.0.0.1:20000/health"));
  harness_.health_probes.AnswerAll(std::string("ok"));
  const WorkerStatus ready = Status("r-0");
  EXPECT_EQ(ready.state, wire::WorkerState::kReady);
  EXPECT_EQ(ready.url, "http://node-a:20000");
  EXPECT_THAT(ready.spec.partitions, IsEmpty());
}

TEST_F(RouterWorkerTest, HoldsNoPartitionSoEveryPartitionStaysForEngines) {
  ASSERT_TRUE(supervisor_->Apply("r-0", SupervisorHarness::RouterSpec()).ok());
  StatusOr<Supervisor::ApplyOutcome> engine =
      supervisor_->Apply("w-0", SupervisorHarness::SimSpec({0, 1, 2, 3, 4, 5, 6, 7}));
  ASSERT_TRUE(engine.ok()) << engine.status();
  ASSERT_TRUE(supervisor_->Apply("r-1", SupervisorHarness::RouterSpec()).ok());
  EXPECT_THAT(harness_.processes.launched(), SizeIs(3));
  EXPECT_NE(Status("r-0").port, Status("r-1").port);
}

TEST_F(RouterWorkerTest, RoleAndEngineMustGoTogether) {
  wire::WorkerSpec router_on_sim = SupervisorHarness::RouterSpec();
  router_on_sim.engine = "sim";
  EXPECT_THAT(supervisor_->Apply("r-0", router_on_sim).status().message(),
              HasSubstr("engine.kind: a router worker runs a tessera-router engine; \"sim\""));
  wire::WorkerSpec engine_on_router = SupervisorHarness::SimSpec({0});
  engine_on_router.engine = "tessera-router";
  EXPECT_THAT(
      supervisor_->Apply("w-0", engine_on_router).status().message(),
      HasSubstr("engine.kind: \"tessera-router\" runs only router workers, not aggregated"));
  EXPECT_THAT(harness_.processes.launched(), IsEmpty());
}

TEST_F(RouterWorkerTest, IsRestartedAfterACrashAndAdoptedByARestartedAgent) {
  ASSERT_TRUE(supervisor_->Apply("r-0", SupervisorHarness::RouterSpec()).ok());
  const pid_t first = harness_.processes.last_launched();
  harness_.processes.Exit(first, {.exit_code = 1, .signal = {}});
  harness_.Advance(seconds(1));
  ASSERT_THAT(harness_.processes.launched(), SizeIs(2));
  const pid_t second = harness_.processes.last_launched();

  Restart();
  const WorkerStatus adopted = Status("r-0");
  EXPECT_TRUE(adopted.adopted);
  EXPECT_EQ(adopted.pid, second);
  EXPECT_THAT(harness_.processes.launched(), SizeIs(2)) << "adopted, not started again";
}

}  // namespace
}  // namespace tessera::agent
