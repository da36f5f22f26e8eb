#include "controller/reconciler/deployment_reconciler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/controller/fake_fleet.h"

namespace tessera::controller {
namespace {

using testing::FakeAgents;
using testing::FakeStore;
using ::testing::HasSubstr;

constexpr int64_t kGiB = int64_t{1} << 30;
const resources::ObjectKey kLlama{"default", "llama"};

std::string Aggregated(int replicas, int max_model_len = 8192, std::string extra = "") {
  return "apiVersion: serving.tessera.io/v1alpha1\nkind: ModelDeployment\n"
         "metadata: {name: llama, namespace: default}\n"
         "spec:\n  model: {source: meta-llama/Llama-3.1-8B-Instruct}\n"
         "  engine: {kind: sim, maxModelLen: " +
         std::to_string(max_model_len) + "}\n  worker: {replicas: " + std::to_string(replicas) +
         "}\n" + extra;
}

class ReconcilerTest : public ::testing::Test {
 protected:
  ReconcilerTest()
      : monitor_(agents_, agents_, clock_, {}, testing::QuietLogger()),
        reconciler_(store_, monitor_, agents_, clock_, {}, testing::QuietLogger()) {}

  // A poll of every agent followed by a pass over every key, as the
  // controller's loop does.
  void Pass() {
    monitor_.PollOnce();
    for (const resources::ObjectKey& key : reconciler_.AllKeys()) {
      last_ = reconciler_.Reconcile(key);
    }
  }
  const resources::ModelDeploymentStatus& Status() { return store_.Record(kLlama).status; }
  const resources::Condition& Condition(const std::string& type) {
    const resources::Condition* condition = resources::FindCondition(Status().conditions, type);
    EXPECT_NE(condition, nullptr) << type;
    static const resources::Condition kMissing;
    return condition == nullptr ? kMissing : *condition;
  }
  int Count(const std::string& node) {
    int count = 0;
    for (const auto& [id, worker] : agents_.Node(node).workers) {
      if (worker.spec.deployment == "llama" && worker.state != wire::WorkerState::kDraining)
        ++count;
    }
    return count;
  }

  FakeClock clock_;
  FakeAgents agents_;
  FakeStore store_;
  FleetMonitor monitor_;
  DeploymentReconciler reconciler_;
  ReconcileResult last_;
};

TEST_F(ReconcilerTest, StartsSpreadWorkersAndReportsReady) {
  agents_.AddNode("node-a", 1, 8, 24 * kGiB);
  agents_.AddNode("node-b", 1, 8, 24 * kGiB);
  store_.Apply(Aggregated(4));
  Pass();
  EXPECT_EQ(Count("node-a"), 2);
  EXPECT_EQ(Count("node-b"), 2);
  EXPECT_TRUE(store_.Record(kLlama).metadata.HasFinalizer(kWorkersFinalizer));
  EXPECT_EQ(Status().roles.at(wire::WorkerRole::kAggregated).replicas, 4);
  EXPECT_EQ(Condition("Ready").status, "False");
  EXPECT_EQ(Condition("Progressing").status, "True");
  EXPECT_EQ(Condition("Progressing").reason, "Starting");

  const int puts = agents_.TotalPuts();
  Pass();
  EXPECT_EQ(agents_.TotalPuts(), puts) << "a second pass must do nothing";

  agents_.Settle();
  Pass();
  EXPECT_EQ(Condition("Ready").status, "True");
  EXPECT_EQ(Condition("Progressing").reason, "Complete");
  EXPECT_EQ(Condition("Unschedulable").status, "False");
  EXPECT_EQ(Status().roles.at(wire::WorkerRole::kAggregated).ready, 4);
  ASSERT_EQ(Status().workers.size(), 4U);
  EXPECT_EQ(Status().workers[0].name.substr(0, 21), "default.llama.worker-");
  EXPECT_TRUE(Status().workers[0].updated);
  EXPECT_EQ(Status().observed_generation, 1);
  const auto created =
      std::count_if(store_.events.begin(), store_.events.end(),
                    [](const auto& event) { return event.reason == "WorkerCreated"; });
  EXPECT_EQ(created, 4);
}

TEST_F(ReconcilerTest, ARestartedControllerChurnsNothing) {
  agents_.AddNode("node-a", 1, 8, 24 * kGiB);
  store_.Apply(Aggregated(3));
  Pass();
  agents_.Settle();
  Pass();
  const int puts = agents_.TotalPuts();
  FleetMonitor monitor(agents_, agents_, clock_, {}, testing::QuietLogger());
  DeploymentReconciler restarted(store_, monitor, agents_, clock_, {}, testing::QuietLogger());
  monitor.PollOnce();
  for (const resources::ObjectKey& key : restarted.AllKeys()) restarted.Reconcile(key);
  EXPECT_EQ(agents_.TotalPuts(), puts);
  EXPECT_EQ(agents_.TotalDeletes(), 0);
}

TEST_F(ReconcilerTest, ScaleDownDrainsTheLeastLoaded) {
  agents_.AddNode("node-a", 1, 8, 24 * kGiB);
  store_.Apply(Aggregated(3));
  Pass();
  agents_.Settle();
  double load = 10;
  for (auto& [id, worker] : agents_.Node("node-a").workers) worker.in_flight = load--;
  const std::string least_loaded = std::prev(agents_.Node("node-a").workers.end())->first;
  store_.Apply(Aggregated(2));
  Pass();
  EXPECT_EQ(agents_.Node("node-a").workers.at(least_loaded).state, wire::WorkerState::kDraining);
  EXPECT_EQ(Count("node-a"), 2);
  EXPECT_EQ(Status().observed_generation, 2);
  agents_.Settle();
  Pass();
  EXPECT_EQ(agents_.Node("node-a").workers.size(), 2U);
  EXPECT_EQ(Condition("Ready").status, "True");
}

TEST_F(ReconcilerTest, RollsOutASpecChangeWithinTheSurge) {
  agents_.AddNode("node-a", 1, 8, 24 * kGiB);
  store_.Apply(Aggregated(2));
  Pass();
  agents_.Settle();
  Pass();
  store_.Apply(Aggregated(2, 4096));
  for (int step = 0; step < 10; ++step) {
    Pass();
    int ready = 0;
    int total = 0;
    for (const auto& [id, worker] : agents_.Node("node-a").workers) {
      if (worker.state == wire::WorkerState::kDraining) continue;
      ++total;
      if (worker.Ready()) ++ready;
    }
    EXPECT_GE(ready, 2) << "step " << step;
    EXPECT_LE(total, 3) << "step " << step;
    agents_.Settle();
  }
  Pass();
  for (const auto& [id, worker] : agents_.Node("node-a").workers) {
    EXPECT_EQ(worker.spec.settings.max_model_len, 4096) << id;
  }
  EXPECT_EQ(agents_.Node("node-a").workers.size(), 2U);
  EXPECT_EQ(Condition("Ready").status, "True");
  EXPECT_EQ(Status().roles.at(wire::WorkerRole::kAggregated).updated, 2);
}

TEST_F(ReconcilerTest, DisaggregatedGroupsStayOnOneGpu) {
  agents_.AddNode("node-a", 2, 8, 24 * kGiB);
  store_.Apply(
      "apiVersion: serving.tessera.io/v1alpha1\nkind: ModelDeployment\n"
      "metadata: {name: llama}\n"
      "spec:\n  model: {source: llama-3.1-8b}\n  engine: {kind: sglang, maxModelLen: 8192}\n"
      "  mode: disaggregated\n  prefill: {replicas: 1, tensorParallelSize: 4}\n"
      "  decode: {replicas: 2, tensorParallelSize: 4}\n");
  Pass();
  ASSERT_EQ(agents_.Node("node-a").workers.size(), 3U);
  for (const auto& [id, worker] : agents_.Node("node-a").workers) {
    ASSERT_EQ(worker.spec.partitions.size(), 4U);
    EXPECT_EQ(worker.spec.partitions.front() / 8, worker.spec.partitions.back() / 8) << id;
    EXPECT_EQ(worker.spec.engine, "sglang");
    EXPECT_EQ(worker.spec.managed_by, "tessera-controller");
  }
  EXPECT_EQ(Status().roles.at(wire::WorkerRole::kDecode).replicas, 2);
  EXPECT_EQ(Status().roles.at(wire::WorkerRole::kPrefill).replicas, 1);
}

TEST_F(ReconcilerTest, UnschedulableSaysWhyWithTheArithmetic) {
  agents_.AddNode("node-a", 1, 8, 24 * kGiB);
  store_.Apply(
      "apiVersion: serving.tessera.io/v1alpha1\nkind: ModelDeployment\n"
      "metadata: {name: llama}\n"
      "spec:\n  model: {source: llama-3.1-70b}\n"
      "  engine: {kind: vllm, maxModelLen: 4096, kvCacheDtype: fp8}\n  worker: {replicas: 1}\n");
  Pass();
  EXPECT_EQ(agents_.TotalPuts(), 0);
  EXPECT_EQ(Condition("Unschedulable").status, "True");
  EXPECT_EQ(Condition("Unschedulable").reason, "ModelTooLarge");
  EXPECT_THAT(Condition("Unschedulable").message, HasSubstr("worker: needs 1 partition of ≥ "));
  EXPECT_THAT(Condition("Unschedulable").message, HasSubstr("it fits at tensorParallelSize 8"));
  const auto warned =
      std::count_if(store_.events.begin(), store_.events.end(),
                    [](const auto& event) { return event.reason == "ModelTooLarge"; });
  Pass();
  EXPECT_EQ(std::count_if(store_.events.begin(), store_.events.end(),
                          [](const auto& event) { return event.reason == "ModelTooLarge"; }),
            warned)
      << "the warning is recorded once, when it begins";
}

TEST_F(ReconcilerTest, AnUnknownModelIsAConditionNotACrash) {
  agents_.AddNode("node-a", 1, 8, 24 * kGiB);
  store_.Apply(
      "apiVersion: serving.tessera.io/v1alpha1\nkind: ModelDeployment\nmetadata: {name: llama}\n"
      "spec:\n  model: {source: acme/secret-model}\n  engine: {kind: vllm}\n"
      "  worker: {replicas: 1}\n");
  Pass();
  EXPECT_EQ(agents_.TotalPuts(), 0);
  EXPECT_EQ(Condition("Unschedulable").reason, "ModelUnknown");
  EXPECT_THAT(Condition("Unschedulable").message, HasSubstr("spec.model.source"));
  EXPECT_THAT(Condition("Unschedulable").message, HasSubstr("spec.model.architecture"));
}

TEST_F(ReconcilerTest, ALostNodesWorkersAreReplacedAndTheSurplusRemovedWhenItReturns) {
  agents_.AddNode("node-a", 1, 8, 24 * kGiB);
  agents_.AddNode("node-b", 1, 8, 24 * kGiB);
  store_.Apply(Aggregated(2));
  Pass();
  agents_.Settle();
  Pass();
  ASSERT_EQ(Count("node-b"), 1);
  agents_.Node("node-b").reachable = false;
  clock_.Advance(std::chrono::seconds(10));
  Pass();
  EXPECT_EQ(Count("node-a"), 1) << "unreachable is not lost yet";
  clock_.Advance(std::chrono::seconds(25));
  Pass();
  EXPECT_EQ(Count("node-a"), 2);
  EXPECT_EQ(Condition("Degraded").reason, "NodeLost");
  EXPECT_THAT(Condition("Degraded").message, HasSubstr("node node-b is lost with 1 worker"));
  agents_.Settle();
  agents_.Node("node-b").reachable = true;
  Pass();
  EXPECT_EQ(Count("node-a") + Count("node-b"), 2);
  agents_.Settle();
  Pass();
  EXPECT_EQ(Condition("Degraded").status, "False");
  EXPECT_EQ(Condition("Ready").status, "True");
}

TEST_F(ReconcilerTest, DeletionDrainsThenReleasesTheFinalizer) {
  agents_.AddNode("node-a", 1, 8, 24 * kGiB);
  store_.Apply(Aggregated(2));
  Pass();
  agents_.Settle();
  Pass();
  store_.MarkDeleted(kLlama);
  Pass();
  EXPECT_EQ(Count("node-a"), 0);
  EXPECT_EQ(Condition("Ready").reason, "Deleting");
  EXPECT_TRUE(store_.Get(kLlama).has_value()) << "held by the finalizer while draining";
  agents_.Settle();
  Pass();
  EXPECT_FALSE(store_.Get(kLlama).has_value());
  EXPECT_TRUE(agents_.Node("node-a").workers.empty());
}

TEST_F(ReconcilerTest, WorkersOutlivingTheirManifestAreRemoved) {
  agents_.AddNode("node-a", 1, 8, 24 * kGiB);
  store_.Apply(Aggregated(2));
  Pass();
  store_.Erase(kLlama);
  Pass();
  EXPECT_EQ(Count("node-a"), 0);
  agents_.Settle();
  Pass();
  EXPECT_TRUE(agents_.Node("node-a").workers.empty());
  EXPECT_TRUE(reconciler_.AllKeys().empty());
}

TEST_F(ReconcilerTest, WorkersItDidNotStartAreNeverTouched) {
  agents_.AddNode("node-a", 1, 8, 24 * kGiB);
  wire::WorkerSpec manual;
  manual.deployment = "llama";
  manual.engine = "sim";
  manual.settings.model = "llama-3.1-8b";
  manual.partitions = {0};
  ASSERT_TRUE(agents_.PutWorker(FakeAgents::Endpoint("node-a"), "by-hand", manual).ok());
  store_.Apply(Aggregated(1));
  Pass();
  store_.MarkDeleted(kLlama);
  Pass();
  agents_.Settle();
  Pass();
  EXPECT_TRUE(agents_.Node("node-a").workers.contains("by-hand"));
  EXPECT_EQ(agents_.Node("node-a").workers.at("by-hand").state, wire::WorkerState::kReady);
}

TEST_F(ReconcilerTest, AnInvalidManifestKeepsWorkersAndSaysWhy) {
  agents_.AddNode("node-a", 1, 8, 24 * kGiB);
  store_.Apply(Aggregated(1));
  Pass();
  DeploymentRecord& record = store_.Record(kLlama);
  record.spec.reset();
  record.error = InvalidArgumentError("spec.worker.replicas: must be an integer");
  Pass();
  EXPECT_EQ(Count("node-a"), 1);
  EXPECT_EQ(Condition("Ready").reason, "InvalidSpec");
  EXPECT_THAT(Condition("Unschedulable").message, HasSubstr("spec.worker.replicas"));
}

TEST_F(ReconcilerTest, WaitsUntilEveryNodeHasBeenHeardFrom) {
  agents_.AddNode("node-a", 1, 8, 24 * kGiB);
  agents_.AddNode("node-b", 1, 8, 24 * kGiB).reachable = false;
  store_.Apply(Aggregated(2));
  Pass();
  EXPECT_EQ(agents_.TotalPuts(), 0);
  ASSERT_TRUE(last_.requeue_after);
  clock_.Advance(std::chrono::seconds(31));
  Pass();
  EXPECT_EQ(Count("node-a"), 2);
}

}  // namespace
}  // namespace tessera::controller
