#include "controller/reconciler/deployment_reconciler.h"

#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/controller/reconciler_fixture.h"

namespace tessera::controller {
namespace {

using ::testing::HasSubstr;

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
  ApplyAndSettle(Aggregated(3));
  const int puts = agents_.TotalPuts();
  FleetMonitor monitor(agents_, agents_, clock_, {}, testing::QuietLogger());
  DeploymentReconciler restarted(store_, monitor, agents_, routers_, clock_, {},
                                 testing::QuietLogger());
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
  ApplyAndSettle(Aggregated(2));
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
      "spec:\n  router: {replicas: 0}\n  model: {source: llama-3.1-8b}\n  engine: {kind: sglang, "
      "maxModelLen: 8192}\n"
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

// Seed 001: Llama 70B as TP 2 × PP 4 over one MI300X's 8 CPX partitions,
// FP8 weights quantized on load and a chunked-prefill budget.
TEST_F(ReconcilerTest, APipelineParallelWorkerHoldsTensorTimesPipelinePartitions) {
  agents_.AddNode("node-a", 2, 8, 24 * kGiB);
  store_.Apply(
      "apiVersion: serving.tessera.io/v1alpha1\nkind: ModelDeployment\n"
      "metadata: {name: llama}\n"
      "spec:\n  router: {replicas: 0}\n  model: {source: llama-3.1-70b, dtype: fp8}\n"
      "  engine: {kind: vllm, maxModelLen: 4096, kvCacheDtype: fp8, maxNumBatchedTokens: 4096}\n"
      "  worker: {replicas: 2, tensorParallelSize: 2, pipelineParallelSize: 4}\n");
  Pass();
  ASSERT_EQ(agents_.Node("node-a").workers.size(), 2U) << Condition("Unschedulable").message;
  std::set<int> held;
  for (const auto& [id, worker] : agents_.Node("node-a").workers) {
    ASSERT_EQ(worker.spec.partitions.size(), 8U) << id;
    // One whole GPU each.
    EXPECT_EQ(worker.spec.partitions.front() / 8, worker.spec.partitions.back() / 8) << id;
    held.insert(worker.spec.partitions.begin(), worker.spec.partitions.end());
    const wire::EngineSettings& settings = worker.spec.settings;
    EXPECT_EQ(settings.tensor_parallel_size, 2);
    EXPECT_EQ(settings.pipeline_parallel_size, 4);
    EXPECT_EQ(settings.quantization, "fp8");
    EXPECT_EQ(settings.max_num_batched_tokens, 4096);
    // What the agent reads back is what was sent.
    StatusOr<wire::WorkerSpec> again =
        wire::WorkerSpecFromJson(wire::WorkerSpecToJson(worker.spec));
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(*again, worker.spec);
  }
  EXPECT_EQ(held.size(), 16U);
  EXPECT_EQ(Condition("Unschedulable").status, "False");
}

TEST_F(ReconcilerTest, SpeculativeDecodingReachesTheWorkerSpec) {
  agents_.AddNode("node-a", 1, 8, 24 * kGiB);
  store_.Apply(
      "apiVersion: serving.tessera.io/v1alpha1\nkind: ModelDeployment\n"
      "metadata: {name: llama}\n"
      "spec:\n  router: {replicas: 0}\n  model: {source: llama-3.1-8b}\n"
      "  engine: {kind: vllm, maxModelLen: 4096, numSchedulerSteps: 1,\n"
      "           speculative: {method: draft, draftModel: meta-llama/Llama-3.2-1B-Instruct,\n"
      "                         numSpeculativeTokens: 5}}\n"
      "  worker: {replicas: 1}\n");
  Pass();
  ASSERT_EQ(agents_.Node("node-a").workers.size(), 1U) << Condition("Unschedulable").message;
  const wire::EngineSettings& settings =
      agents_.Node("node-a").workers.begin()->second.spec.settings;
  ASSERT_TRUE(settings.speculative.has_value());
  EXPECT_EQ(settings.speculative->method, "draft");
  EXPECT_EQ(settings.speculative->draft_model, "meta-llama/Llama-3.2-1B-Instruct");
  EXPECT_EQ(settings.speculative->num_speculative_tokens, 5);
  EXPECT_EQ(settings.num_scheduler_steps, 1);
}

TEST_F(ReconcilerTest, APipelineParallelWorkerWaitsForAllItsPartitions) {
  agents_.AddNode("node-a", 1, 4, 24 * kGiB);
  store_.Apply(
      "apiVersion: serving.tessera.io/v1alpha1\nkind: ModelDeployment\n"
      "metadata: {name: llama}\n"
      "spec:\n  router: {replicas: 0}\n  model: {source: llama-3.1-8b}\n"
      "  engine: {kind: sim, maxModelLen: 4096}\n"
      "  worker: {replicas: 1, tensorParallelSize: 2, pipelineParallelSize: 4}\n");
  Pass();
  EXPECT_EQ(agents_.TotalPuts(), 0);
  EXPECT_EQ(Condition("Unschedulable").reason, "InsufficientPartitions");
  EXPECT_THAT(Condition("Unschedulable").message, HasSubstr("worker: needs 8 partitions"));
}

TEST_F(ReconcilerTest, MorePipelineStagesThanLayersIsAnInvalidSpec) {
  agents_.AddNode("node-a", 8, 8, 24 * kGiB);
  store_.Apply(
      "apiVersion: serving.tessera.io/v1alpha1\nkind: ModelDeployment\n"
      "metadata: {name: llama}\n"
      "spec:\n  router: {replicas: 0}\n  model: {source: llama-3.1-8b}\n"
      "  engine: {kind: sim, maxModelLen: 4096}\n"
      "  worker: {replicas: 1, pipelineParallelSize: 64}\n");
  Pass();
  EXPECT_EQ(agents_.TotalPuts(), 0);
  EXPECT_EQ(Condition("Unschedulable").reason, "InvalidSpec");
  EXPECT_THAT(
      Condition("Unschedulable").message,
      HasSubstr("spec.worker.pipelineParallelSize: 64 stages exceed the model's 32 layers"));
}

// A checkpoint that ships in FP8 keeps its own scales: no --quantization.
TEST_F(ReconcilerTest, ModelDtypeBecomesQuantizationOrComputeDtype) {
  agents_.AddNode("node-a", 1, 8, 24 * kGiB);
  const auto apply = [this](std::string_view name, std::string_view source,
                            std::string_view dtype) {
    store_.Apply(
        "apiVersion: serving.tessera.io/v1alpha1\nkind: ModelDeployment\n"
        "metadata: {name: " +
        std::string(name) +
        "}\n"
        "spec:\n  router: {replicas: 0}\n  model: {source: " +
        std::string(source) + ", dtype: " + std::string(dtype) +
        "}\n"
        "  engine: {kind: sim, maxModelLen: 4096}\n  worker: {replicas: 1}\n");
    Pass();
    for (const auto& [id, worker] : agents_.Node("node-a").workers) {
      if (worker.spec.deployment == name) return worker.spec.settings;
    }
    ADD_FAILURE() << name << " has no worker";
    return wire::EngineSettings{};
  };
  wire::EngineSettings settings = apply("a", "llama-3.1-8b", "fp8");
  EXPECT_EQ(settings.quantization, "fp8");
  EXPECT_FALSE(settings.dtype.has_value());
  settings = apply("b", "amd/Llama-3.1-8B-Instruct-FP8-KV", "fp8");
  EXPECT_FALSE(settings.quantization.has_value());
  settings = apply("c", "llama-3.1-8b", "float16");
  EXPECT_FALSE(settings.quantization.has_value());
  EXPECT_EQ(settings.dtype, "float16");
}

TEST_F(ReconcilerTest, UnschedulableSaysWhyWithTheArithmetic) {
  agents_.AddNode("node-a", 1, 8, 24 * kGiB);
  store_.Apply(
      "apiVersion: serving.tessera.io/v1alpha1\nkind: ModelDeployment\n"
      "metadata: {name: llama}\n"
      "spec:\n  router: {replicas: 0}\n  model: {source: llama-3.1-70b}\n"
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
      "spec:\n  router: {replicas: 0}\n  model: {source: acme/secret-model}\n  engine: {kind: "
      "vllm}\n"
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
  ApplyAndSettle(Aggregated(2));
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
  const std::vector<std::string> created = Messages("WorkerCreated");
  ASSERT_EQ(created.size(), 3U);
  EXPECT_THAT(created.back(), HasSubstr("on lost node node-b"));
  // Back while its replacement is still starting: the replacement stays,
  // however long its engine takes to load, and node-b's worker goes.
  agents_.Node("node-b").reachable = true;
  Pass();
  EXPECT_EQ(Count("node-a"), 2);
  EXPECT_EQ(Count("node-b"), 0);
  EXPECT_THAT(Messages("WorkerRemoved").back(),
              HasSubstr("node-b came back after being lost; the workers started in its place "
                        "keep serving"));
  agents_.Settle();
  Pass();
  EXPECT_EQ(Condition("Degraded").status, "False");
  EXPECT_EQ(Condition("Ready").status, "True");
}

TEST_F(ReconcilerTest, DeletionDrainsThenReleasesTheFinalizer) {
  agents_.AddNode("node-a", 1, 8, 24 * kGiB);
  ApplyAndSettle(Aggregated(2));
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

// Ready is what `kubectl wait --for=condition=Ready` waits for after an
// edit: it must not turn True while old workers still serve.
TEST_F(ReconcilerTest, ReadyStaysFalseUntilTheRolloutIsComplete) {
  agents_.AddNode("node-a", 1, 8, 24 * kGiB);
  ApplyAndSettle(Aggregated(4));
  ASSERT_EQ(Condition("Ready").status, "True");
  ASSERT_EQ(Events("Ready"), 1);
  store_.Apply(Aggregated(4, 4096));
  int passes = 0;
  for (; passes < 20; ++passes) {
    Pass();
    const resources::RoleStatus& counts = Status().roles.at(wire::WorkerRole::kAggregated);
    if (counts.updated == 4 && Count("node-a") == 4 && Condition("Ready").status == "True") break;
    EXPECT_EQ(Condition("Ready").status, "False") << "pass " << passes;
    EXPECT_EQ(Condition("Ready").observed_generation, 2);
    if (counts.updated < 4) {
      EXPECT_THAT(Condition("Ready").message,
                  HasSubstr("worker: " + std::to_string(counts.updated) + " of 4 updated"));
    }
    agents_.Settle();
  }
  EXPECT_LT(passes, 20);
  agents_.Settle();  // the last old worker finishes draining
  for (const auto& [id, worker] : agents_.Node("node-a").workers) {
    EXPECT_EQ(worker.spec.settings.max_model_len, 4096) << id;
  }
  EXPECT_EQ(Events("Ready"), 2) << "one Ready event per generation, none in between";
}

TEST_F(ReconcilerTest, EventsNameEachWorkerOnceWithoutRepeatingItsRole) {
  agents_.AddNode("node-a", 1, 8, 24 * kGiB);
  store_.Apply(Aggregated(1));
  Pass();
  const std::vector<std::string> created = Messages("WorkerCreated");
  ASSERT_EQ(created.size(), 1U);
  EXPECT_THAT(created[0], ::testing::StartsWith("started default.llama.worker-"));
  EXPECT_THAT(created[0], HasSubstr(" on node-a (partitions 0)"));
  EXPECT_THAT(created[0], ::testing::Not(HasSubstr("worker worker")));
  store_.Apply(Aggregated(0));
  Pass();
  const std::vector<std::string> removed = Messages("WorkerRemoved");
  ASSERT_EQ(removed.size(), 1U);
  EXPECT_THAT(removed[0], ::testing::StartsWith("draining default.llama.worker-"));
  EXPECT_THAT(removed[0], ::testing::EndsWith(": scaled down"));
}

// An agent's 4xx is its answer, not an outage: the controller does not ask
// it again at once (no retry storm, no log flood), tries the other nodes,
// and says why when none is left.
TEST_F(ReconcilerTest, AnAgentRefusingASpecIsBackedOffAndAnotherNodeServes) {
  agents_.AddNode("node-a", 1, 8, 24 * kGiB).refuse_puts = "engine: \"sim\" is not allowed here";
  agents_.AddNode("node-b", 1, 8, 24 * kGiB);
  store_.Apply(Aggregated(1));
  Pass();
  EXPECT_TRUE(last_.status.ok()) << last_.status;
  EXPECT_EQ(Count("node-b"), 1);
  EXPECT_EQ(agents_.Node("node-a").puts, 1);
  EXPECT_EQ(Events("AgentRejected"), 1);
  EXPECT_THAT(Messages("AgentRejected")[0], HasSubstr("node-a refused it: "));
  EXPECT_THAT(Messages("AgentRejected")[0], HasSubstr("is not allowed here"));
  EXPECT_EQ(Condition("Unschedulable").status, "False");
  store_.Apply(Aggregated(2));
  Pass();
  EXPECT_EQ(Count("node-b"), 2);
  EXPECT_EQ(agents_.Node("node-a").puts, 1) << "not asked again within the backoff";
}

TEST_F(ReconcilerTest, WhenEveryAgentRefusesTheDeploymentIsUnschedulableWithTheirReasons) {
  agents_.AddNode("node-a", 1, 8, 24 * kGiB).refuse_puts = "engine: \"sim\" is not allowed here";
  store_.Apply(Aggregated(1));
  Pass();
  EXPECT_TRUE(last_.status.ok()) << "not an error to retry at once: " << last_.status;
  ASSERT_TRUE(last_.requeue_after);
  EXPECT_EQ(*last_.requeue_after, std::chrono::seconds(10));
  EXPECT_EQ(Condition("Unschedulable").status, "True");
  EXPECT_EQ(Condition("Unschedulable").reason, "AgentRejected");
  EXPECT_THAT(Condition("Unschedulable").message, HasSubstr("is not allowed here"));
  // The refusal and the condition it led to, each announced once.
  EXPECT_EQ(Events("AgentRejected"), 2);
  for (int pass = 0; pass < 10; ++pass) Pass();
  EXPECT_EQ(agents_.Node("node-a").puts, 1);
  EXPECT_EQ(Events("AgentRejected"), 2);
  clock_.Advance(std::chrono::seconds(10));
  Pass();
  EXPECT_EQ(agents_.Node("node-a").puts, 2);
  EXPECT_EQ(*last_.requeue_after, std::chrono::seconds(20)) << "the backoff doubles";
  // The agent is reconfigured: the next try succeeds.
  agents_.Node("node-a").refuse_puts.clear();
  clock_.Advance(std::chrono::seconds(20));
  Pass();
  EXPECT_EQ(Count("node-a"), 1);
  EXPECT_EQ(Condition("Unschedulable").status, "False");
}

// Deleting a node's GPUNode while its agent still answers changes nothing
// that runs; if the agent is gone too, the node is lost like any other, and
// when it comes back its workers are the surplus, never a duplicate id.
TEST_F(ReconcilerTest, ADeletedGpuNodeIsWatchedUntilLostAndNeverDuplicatesAWorker) {
  agents_.AddNode("node-a", 1, 8, 24 * kGiB);
  agents_.AddNode("node-b", 1, 8, 24 * kGiB);
  ApplyAndSettle(Aggregated(2));
  ASSERT_EQ(Count("node-b"), 1);
  const int puts = agents_.TotalPuts();
  agents_.Node("node-b").listed = false;
  for (int pass = 0; pass < 3; ++pass) Pass();
  EXPECT_EQ(agents_.TotalPuts(), puts);
  EXPECT_EQ(agents_.TotalDeletes(), 0);
  EXPECT_EQ(Condition("Ready").status, "True");

  agents_.Node("node-b").reachable = false;
  Pass();
  EXPECT_EQ(agents_.TotalPuts(), puts) << "silent is not lost";
  clock_.Advance(std::chrono::seconds(31));
  Pass();
  EXPECT_EQ(Condition("Degraded").reason, "NodeLost");
  EXPECT_EQ(Count("node-a"), 2);
  agents_.Settle();

  agents_.Node("node-b").listed = true;
  agents_.Node("node-b").reachable = true;
  Pass();
  std::set<std::string> ids;
  for (const ObservedWorker* worker : agents_.Workers("llama")) {
    EXPECT_TRUE(ids.insert(worker->id).second) << "two workers named " << worker->id;
  }
  EXPECT_EQ(Count("node-a"), 2);
  EXPECT_EQ(Count("node-b"), 0);
}

TEST_F(ReconcilerTest, ACrashLoopSaysWhatTheEngineSaidLast) {
  agents_.AddNode("node-a", 1, 8, 24 * kGiB);
  store_.Apply(Aggregated(1));
  Pass();
  ObservedWorker& worker = agents_.Node("node-a").workers.begin()->second;
  worker.state = wire::WorkerState::kBackoff;
  worker.crash_loop = true;
  worker.reason = "crash loop: 3 exits in 60s (exit code 1)";
  worker.last_output = {"loading weights", "RuntimeError: HIP out of memory"};
  Pass();
  EXPECT_EQ(Condition("Degraded").reason, "CrashLoop");
  EXPECT_THAT(Condition("Degraded").message,
              HasSubstr("last output: loading weights | RuntimeError: HIP out of memory"));
  ASSERT_EQ(Events("CrashLoop"), 1);
  EXPECT_THAT(Messages("CrashLoop")[0], HasSubstr("RuntimeError: HIP out of memory"));
}

// Scaling up into a full fleet never finishes; like a Deployment, that is
// reported once progressDeadlineSeconds have passed without progress, and
// reported again as progress when capacity arrives.
TEST_F(ReconcilerTest, NoProgressForTheDeadlineIsReportedAndProgressClearsIt) {
  agents_.AddNode("node-a", 1, 2, 24 * kGiB);
  ApplyAndSettle(Aggregated(3, 8192, "  rollout: {progressDeadlineSeconds: 60}\n"));
  EXPECT_EQ(Condition("Progressing").reason, "ScalingUp");
  EXPECT_EQ(Condition("Unschedulable").status, "True");
  clock_.Advance(std::chrono::seconds(59));
  Pass();
  EXPECT_EQ(Condition("Progressing").status, "True");
  EXPECT_EQ(Condition("Progressing").last_update_time, "2026-01-01T00:00:00Z");
  clock_.Advance(std::chrono::seconds(1));
  Pass();
  EXPECT_EQ(Condition("Progressing").status, "False");
  EXPECT_EQ(Condition("Progressing").reason, "ProgressDeadlineExceeded");
  EXPECT_THAT(Condition("Progressing").message,
              HasSubstr("no progress for 1m0s (progressDeadlineSeconds): worker: 2 → 3 workers"));
  EXPECT_EQ(Events("ProgressDeadlineExceeded"), 1);
  const int writes = store_.status_writes;
  for (int pass = 0; pass < 5; ++pass) {
    clock_.Advance(std::chrono::seconds(60));
    Pass();
  }
  EXPECT_EQ(Condition("Progressing").reason, "ProgressDeadlineExceeded");
  EXPECT_EQ(Events("ProgressDeadlineExceeded"), 1) << "announced once";
  EXPECT_EQ(store_.status_writes, writes) << "a stuck status is not rewritten";

  agents_.AddNode("node-b", 1, 8, 24 * kGiB);
  Pass();
  EXPECT_EQ(Condition("Progressing").status, "True");
  agents_.Settle();
  Pass();
  EXPECT_EQ(Condition("Progressing").reason, "Complete");
  EXPECT_EQ(Condition("Ready").status, "True");
}

TEST_F(ReconcilerTest, AnUnreachableNodeIsNotAStartingWorker) {
  agents_.AddNode("node-a", 1, 8, 24 * kGiB);
  agents_.AddNode("node-b", 1, 8, 24 * kGiB);
  ApplyAndSettle(Aggregated(2));
  agents_.Node("node-b").reachable = false;
  clock_.Advance(std::chrono::seconds(5));
  Pass();
  EXPECT_EQ(Condition("Ready").status, "False");
  EXPECT_EQ(Condition("Progressing").status, "False") << Condition("Progressing").message;
  EXPECT_EQ(Condition("Degraded").reason, "NodeUnreachable");
  EXPECT_THAT(Condition("Degraded").message, HasSubstr("node node-b does not answer (1 worker"));
}

}  // namespace
}  // namespace tessera::controller
