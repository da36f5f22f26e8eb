#include "cli/up/startup_progress.h"

#include <chrono>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/file.h"

namespace tessera::cli {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr std::string_view kDecode0 = "default.llama-8b.decode-3b4fd96e-0";
constexpr std::string_view kDecode1 = "default.llama-8b.decode-3b4fd96e-1";
constexpr std::string_view kPrefill = "default.llama-8b.prefill-84ef8595-0";
constexpr std::string_view kRouter = "default.llama-8b.router-2504e49b-0";

// The API's `items` of a recorded answer (tests/fixtures/up/README.md).
json Fixture(const std::string& name) {
  StatusOr<std::string> text = ReadFile(TESSERA_SOURCE_DIR "/tests/fixtures/up/" + name);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? json::parse(*text)["items"] : json::array();
}

// GET /api/v1/overview of the recorded quickstart once it served: every
// worker ready in the controller's status and in the agent's list.
json ServingOverview() {
  return {{"deployments", Fixture("deployments.json")}, {"workers", Fixture("workers.json")}};
}

// The overview before the agent has reported any worker, the controller's
// status listing them without a state.
json PlacedOverview() {
  json overview = ServingOverview();
  overview["workers"] = json::array();
  for (json& worker : overview["deployments"][0]["status"]["workers"]) worker.erase("state");
  return overview;
}

json& AgentWorker(json& overview, std::string_view id) {
  for (json& worker : overview["workers"]) {
    if (worker["id"] == id) return worker;
  }
  ADD_FAILURE() << "no agent worker " << id;
  static json none;
  return none;
}

json& Status(json& overview) { return overview["deployments"][0]["status"]; }

json& ReadyCondition(json& overview) {
  for (json& condition : Status(overview)["conditions"]) {
    if (condition["type"] == "Ready") return condition;
  }
  ADD_FAILURE() << "no Ready condition";
  static json none;
  return none;
}

const WorkerProgress* Find(const std::vector<WorkerProgress>& workers, std::string_view name) {
  for (const WorkerProgress& worker : workers) {
    if (worker.name == name) return &worker;
  }
  return nullptr;
}

// The phase WorkerProgressOf gives the decode worker whose agent state is `state`.
WorkerPhase PhaseForAgentState(std::string_view state) {
  json overview = ServingOverview();
  AgentWorker(overview, kDecode0)["state"] = state;
  const std::vector<WorkerProgress> workers = WorkerProgressOf(overview);
  const WorkerProgress* worker = Find(workers, kDecode0);
  EXPECT_NE(worker, nullptr);
  return worker == nullptr ? WorkerPhase::kPlaced : worker->phase;
}

std::vector<std::string> Names(const std::vector<WorkerProgress>& workers) {
  std::vector<std::string> names;
  names.reserve(workers.size());
  for (const WorkerProgress& worker : workers) names.push_back(worker.name);
  return names;
}

TEST(WorkerProgressOfTest, ListsEveryWorkerByNameWithRoleAndPartitions) {
  const std::vector<WorkerProgress> workers = WorkerProgressOf(ServingOverview());
  EXPECT_THAT(Names(workers), ElementsAre(kDecode0, kDecode1, kPrefill, kRouter));
  EXPECT_EQ(workers[0].deployment, "default/llama-8b");
  EXPECT_EQ(workers[0].role, "decode");
  EXPECT_EQ(workers[0].partitions, "1");
  EXPECT_EQ(workers[0].phase, WorkerPhase::kReady);
  EXPECT_EQ(workers[2].role, "prefill");
  EXPECT_EQ(workers[2].partitions, "0");
  EXPECT_EQ(workers[3].role, "router");
  EXPECT_EQ(workers[3].partitions, "-");
  EXPECT_EQ(workers[3].detail, "");
}

TEST(WorkerProgressOfTest, JoinsSeveralPartitions) {
  json overview = ServingOverview();
  AgentWorker(overview, kDecode0)["spec"]["partitions"] = {4, 5};
  EXPECT_EQ(Find(WorkerProgressOf(overview), kDecode0)->partitions, "4,5");
}

TEST(WorkerProgressOfTest, MapsAgentStatesToPhases) {
  EXPECT_EQ(PhaseForAgentState("pending"), WorkerPhase::kStarting);
  EXPECT_EQ(PhaseForAgentState("backoff"), WorkerPhase::kStarting);
  EXPECT_EQ(PhaseForAgentState("failed"), WorkerPhase::kStarting);
  EXPECT_EQ(PhaseForAgentState("starting"), WorkerPhase::kLoading);
  EXPECT_EQ(PhaseForAgentState("ready"), WorkerPhase::kReady);
  EXPECT_EQ(PhaseForAgentState("draining"), WorkerPhase::kStopping);
  EXPECT_EQ(PhaseForAgentState("stopping"), WorkerPhase::kStopping);
  EXPECT_EQ(PhaseForAgentState("stopped"), WorkerPhase::kStopping);
}

TEST(WorkerProgressOfTest, BackoffCarriesItsReason) {
  json overview = ServingOverview();
  json& worker = AgentWorker(overview, kDecode0);
  worker["state"] = "backoff";
  worker["reason"] = "exit code 1";
  EXPECT_EQ(Find(WorkerProgressOf(overview), kDecode0)->detail, "backoff: exit code 1");
}

TEST(WorkerProgressOfTest, FailedWithoutReasonCarriesItsLastExit) {
  json overview = ServingOverview();
  json& worker = AgentWorker(overview, kDecode0);
  worker["state"] = "failed";
  worker["lastExit"] = "killed by signal 9";
  EXPECT_EQ(Find(WorkerProgressOf(overview), kDecode0)->detail, "failed: killed by signal 9");
}

TEST(WorkerProgressOfTest, WorkerOnlyInTheStatusIsPlaced) {
  const std::vector<WorkerProgress> workers = WorkerProgressOf(PlacedOverview());
  EXPECT_THAT(Names(workers), ElementsAre(kDecode0, kDecode1, kPrefill, kRouter));
  for (const WorkerProgress& worker : workers) {
    EXPECT_EQ(worker.phase, WorkerPhase::kPlaced) << worker.name;
    EXPECT_EQ(worker.deployment, "default/llama-8b");
  }
  EXPECT_EQ(workers[0].role, "decode");
  EXPECT_EQ(workers[0].partitions, "1");
  EXPECT_EQ(workers[3].partitions, "-");
}

TEST(WorkerProgressOfTest, WorkerOnlyInTheStatusTakesThePhaseOfItsState) {
  json overview = PlacedOverview();
  Status(overview)["workers"][0]["state"] = "starting";
  Status(overview)["workers"][1]["state"] = "unknown";
  Status(overview)["workers"][2]["state"] = "ready";
  const std::vector<WorkerProgress> workers = WorkerProgressOf(overview);
  EXPECT_EQ(Find(workers, kDecode0)->phase, WorkerPhase::kLoading);
  EXPECT_EQ(Find(workers, kDecode1)->phase, WorkerPhase::kPlaced);
  EXPECT_EQ(Find(workers, kPrefill)->phase, WorkerPhase::kReady);
}

TEST(WorkerProgressOfTest, TheAgentsStateWinsOverTheStatus) {
  json overview = ServingOverview();
  AgentWorker(overview, kDecode0)["state"] = "starting";
  EXPECT_EQ(Find(WorkerProgressOf(overview), kDecode0)->phase, WorkerPhase::kLoading);
}

TEST(WorkerProgressOfTest, EmptyOverviewHasNoWorkers) {
  EXPECT_THAT(WorkerProgressOf(json::object()), IsEmpty());
}

TEST(AwaitedBeforeServingTest, AwaitsADeploymentWhenThereIsNone) {
  EXPECT_EQ(AwaitedBeforeServing(json::object()), "a deployment");
  EXPECT_EQ(AwaitedBeforeServing({{"deployments", json::array()}}), "a deployment");
}

TEST(AwaitedBeforeServingTest, AwaitsTheControllersFirstPassWithoutStatus) {
  json overview = ServingOverview();
  overview["deployments"][0].erase("status");
  EXPECT_EQ(AwaitedBeforeServing(overview), "default/llama-8b: the controller's first pass");
}

TEST(AwaitedBeforeServingTest, AwaitsTheControllerWhenItsObservedGenerationIsBehind) {
  json overview = ServingOverview();
  overview["deployments"][0]["generation"] = 2;
  EXPECT_EQ(AwaitedBeforeServing(overview), "default/llama-8b: the controller's first pass");
}

TEST(AwaitedBeforeServingTest, ReportsADeploymentsError) {
  json overview = ServingOverview();
  overview["deployments"][0]["error"] = "spec.worker: is required in aggregated mode";
  EXPECT_EQ(AwaitedBeforeServing(overview),
            "default/llama-8b: spec.worker: is required in aggregated mode");
}

TEST(AwaitedBeforeServingTest, NotReadyListsEachRolesReadyOfDesired) {
  json overview = ServingOverview();
  ReadyCondition(overview)["status"] = "False";
  Status(overview)["decode"]["ready"] = 1;
  EXPECT_EQ(AwaitedBeforeServing(overview),
            "default/llama-8b: prefill 1/1 ready, decode 1/2 ready, router 1/1 ready");
}

TEST(AwaitedBeforeServingTest, AwaitsTheEndpoint) {
  json overview = ServingOverview();
  Status(overview).erase("endpoint");
  EXPECT_EQ(AwaitedBeforeServing(overview), "default/llama-8b: its endpoint");
}

TEST(AwaitedBeforeServingTest, AwaitsTheAgentsReportOfAWorkerItDoesNotList) {
  json overview = ServingOverview();
  overview["workers"].erase(0);  // decode-0
  EXPECT_EQ(AwaitedBeforeServing(overview),
            "default/llama-8b: the agent's report of " + std::string(kDecode0));
}

TEST(AwaitedBeforeServingTest, AwaitsTheAgentsReportOfAWorkerNotReadyThere) {
  json overview = ServingOverview();
  AgentWorker(overview, kRouter)["state"] = "starting";
  EXPECT_EQ(AwaitedBeforeServing(overview),
            "default/llama-8b: the agent's report of " + std::string(kRouter));
}

TEST(AwaitedBeforeServingTest, NothingWhenEveryDeploymentServes) {
  EXPECT_EQ(AwaitedBeforeServing(ServingOverview()), "");
}

class StartupProgressTest : public ::testing::Test {
 protected:
  const std::chrono::steady_clock::time_point start_{};
  std::ostringstream out_;
};

TEST_F(StartupProgressTest, OutsideATerminalPrintsOneLinePerChange) {
  StartupProgress progress(out_, /*terminal=*/false, start_);
  progress.Show(PlacedOverview(), start_ + milliseconds(1500));
  EXPECT_EQ(out_.str(),
            "   1.5s  default.llama-8b.decode-3b4fd96e-0   decode   partition 1   placed\n"
            "   1.5s  default.llama-8b.decode-3b4fd96e-1   decode   partition 2   placed\n"
            "   1.5s  default.llama-8b.prefill-84ef8595-0  prefill  partition 0   placed\n"
            "   1.5s  default.llama-8b.router-2504e49b-0   router   no partition  placed\n");

  out_.str("");
  progress.Show(PlacedOverview(), start_ + milliseconds(2000));
  EXPECT_EQ(out_.str(), "");

  json overview = PlacedOverview();
  overview["workers"] = Fixture("workers.json");
  AgentWorker(overview, kDecode0)["state"] = "backoff";
  AgentWorker(overview, kDecode0)["reason"] = "exit code 1";
  AgentWorker(overview, kDecode1)["state"] = "starting";
  overview["workers"].erase(3);  // the router: still only placed
  overview["workers"].erase(2);  // the prefill worker: still only placed
  progress.Show(overview, start_ + milliseconds(12'300));
  EXPECT_EQ(out_.str(),
            "  12.3s  default.llama-8b.decode-3b4fd96e-0   decode   partition 1   "
            "placed → starting (backoff: exit code 1)\n"
            "  12.3s  default.llama-8b.decode-3b4fd96e-1   decode   partition 2   "
            "placed → starting → loading\n");

  out_.str("");
  progress.Show(ServingOverview(), start_ + milliseconds(20'000));
  EXPECT_EQ(out_.str(),
            "  20.0s  default.llama-8b.decode-3b4fd96e-0   decode   partition 1   "
            "placed → starting → loading → ready\n"
            "  20.0s  default.llama-8b.decode-3b4fd96e-1   decode   partition 2   "
            "placed → starting → loading → ready\n"
            "  20.0s  default.llama-8b.prefill-84ef8595-0  prefill  partition 0   "
            "placed → starting → loading → ready\n"
            "  20.0s  default.llama-8b.router-2504e49b-0   router   no partition  "
            "placed → starting → loading → ready\n");
}

TEST_F(StartupProgressTest, OnATerminalRedrawsTheBlockInPlace) {
  StartupProgress progress(out_, /*terminal=*/true, start_);
  progress.Show(PlacedOverview(), start_ + milliseconds(1500));
  EXPECT_EQ(out_.str(),
            "\x1b[2K  default.llama-8b.decode-3b4fd96e-0   decode   partition 1   placed\n"
            "\x1b[2K  default.llama-8b.decode-3b4fd96e-1   decode   partition 2   placed\n"
            "\x1b[2K  default.llama-8b.prefill-84ef8595-0  prefill  partition 0   placed\n"
            "\x1b[2K  default.llama-8b.router-2504e49b-0   router   no partition  placed\n"
            "\x1b[J");

  // Unchanged, it is redrawn all the same: up over the 4 lines, each cleared.
  out_.str("");
  json overview = PlacedOverview();
  Status(overview)["workers"].erase(3);  // the router, gone: the block shrinks
  progress.Show(overview, start_ + milliseconds(2000));
  EXPECT_EQ(out_.str(),
            "\x1b[4F"
            "\x1b[2K  default.llama-8b.decode-3b4fd96e-0   decode   partition 1  placed\n"
            "\x1b[2K  default.llama-8b.decode-3b4fd96e-1   decode   partition 2  placed\n"
            "\x1b[2K  default.llama-8b.prefill-84ef8595-0  prefill  partition 0  placed\n"
            "\x1b[J");

  out_.str("");
  progress.Show(overview, start_ + milliseconds(2500));
  EXPECT_THAT(out_.str(), ::testing::StartsWith("\x1b[3F"));
}

TEST(WorkerPhaseNameTest, NamesEachPhase) {
  EXPECT_EQ(WorkerPhaseName(WorkerPhase::kPlaced), "placed");
  EXPECT_EQ(WorkerPhaseName(WorkerPhase::kStarting), "starting");
  EXPECT_EQ(WorkerPhaseName(WorkerPhase::kLoading), "loading");
  EXPECT_EQ(WorkerPhaseName(WorkerPhase::kReady), "ready");
  EXPECT_EQ(WorkerPhaseName(WorkerPhase::kStopping), "stopping");
}

}  // namespace
}  // namespace tessera::cli
