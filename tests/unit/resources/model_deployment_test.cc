#include "resources/model_deployment.h"

#include <ostream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/yaml_json.h"

namespace tessera::resources {
namespace {

using ::testing::HasSubstr;
using wire::WorkerRole;

constexpr std::string_view kDisaggregated = R"(
apiVersion: serving.tessera.io/v1alpha1
kind: ModelDeployment
metadata:
  name: llama-70b
  namespace: serving
  generation: 3
spec:
  model:
    source: meta-llama/Llama-3.3-70B-Instruct
    servedName: llama
  engine:
    kind: sglang
    kvCacheDtype: fp8
    maxModelLen: 8192
    gpuMemoryUtilization: 0.88
    concurrency: 16
    extraArgs: [--disaggregation-ib-device, rdma0]
    env: {NCCL_DEBUG: WARN}
  mode: disaggregated
  prefill: {replicas: 2, tensorParallelSize: 8}
  decode: {replicas: 2, tensorParallelSize: 8}
  placement:
    computePartition: cpx
    memoryPartition: nps4
    nodeSelector: {tessera.io/pool: mi300x}
  rollout: {maxSurge: 0, maxUnavailable: 1, drainGraceSeconds: 120, progressDeadlineSeconds: 1800}
)";

StatusOr<ModelDeployment> Parse(std::string_view yaml) {
  StatusOr<nlohmann::json> json = YamlToJson(yaml);
  if (!json.ok()) return json.status();
  return ModelDeploymentFromJson(*json);
}

TEST(ModelDeploymentTest, ReadsEveryField) {
  StatusOr<ModelDeployment> deployment = Parse(kDisaggregated);
  ASSERT_TRUE(deployment.ok()) << deployment.status();
  EXPECT_EQ(deployment->metadata.key().ToString(), "serving/llama-70b");
  EXPECT_EQ(deployment->metadata.generation, 3);
  const ModelDeploymentSpec& spec = deployment->spec;
  EXPECT_EQ(spec.mode, DeploymentMode::kDisaggregated);
  EXPECT_EQ(spec.Roles(), (std::vector<WorkerRole>{WorkerRole::kPrefill, WorkerRole::kDecode}));
  EXPECT_EQ(spec.Role(WorkerRole::kDecode).tensor_parallel_size, 8);
  EXPECT_EQ(spec.engine.kind, wire::EngineKind::kSglang);
  EXPECT_EQ(spec.engine.concurrency, 16);
  EXPECT_EQ(spec.engine.env.at("NCCL_DEBUG"), "WARN");
  EXPECT_EQ(spec.placement.compute_partition, hardware::ComputePartition::kCpx);
  EXPECT_EQ(spec.placement.node_selector.at("tessera.io/pool"), "mi300x");
  EXPECT_EQ(spec.rollout.max_unavailable, 1);
  EXPECT_EQ(spec.rollout.drain_grace_seconds, 120);
  EXPECT_EQ(spec.rollout.progress_deadline_seconds, 1800);
  EXPECT_EQ(deployment->ServedName(), "llama");
}

TEST(ModelDeploymentTest, SpecRoundTripsThroughJson) {
  StatusOr<ModelDeployment> deployment = Parse(kDisaggregated);
  ASSERT_TRUE(deployment.ok()) << deployment.status();
  StatusOr<ModelDeploymentSpec> again =
      ModelDeploymentSpecFromJson(ModelDeploymentSpecToJson(deployment->spec));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, deployment->spec);
}

TEST(ModelDeploymentTest, DefaultsForAMinimalAggregatedDeployment) {
  StatusOr<ModelDeployment> deployment = Parse(R"(
apiVersion: serving.tessera.io/v1alpha1
kind: ModelDeployment
metadata: {name: llama-8b}
spec:
  model: {source: llama-3.1-8b}
  engine: {kind: sim}
  worker: {replicas: 4}
)");
  ASSERT_TRUE(deployment.ok()) << deployment.status();
  EXPECT_EQ(deployment->metadata.namespace_name, "default");
  EXPECT_EQ(deployment->spec.mode, DeploymentMode::kAggregated);
  EXPECT_EQ(deployment->spec.Role(WorkerRole::kAggregated).replicas, 4);
  EXPECT_EQ(deployment->spec.Role(WorkerRole::kAggregated).tensor_parallel_size, 1);
  EXPECT_EQ(deployment->spec.rollout.max_surge, 1);
  EXPECT_EQ(deployment->spec.rollout.max_unavailable, 0);
  EXPECT_EQ(deployment->spec.rollout.progress_deadline_seconds, 600);
  EXPECT_TRUE(deployment->spec.placement.spread);
  EXPECT_EQ(deployment->ServedName(), "llama-8b");
}

// Seed 001: a 1B draft model proposing 5 tokens; seed 000: FP8 weights and
// an FP8 KV cache.
TEST(ModelDeploymentTest, ReadsSpeculationAndQuantization) {
  StatusOr<ModelDeployment> deployment = Parse(R"(
apiVersion: serving.tessera.io/v1alpha1
kind: ModelDeployment
metadata: {name: llama-70b}
spec:
  model: {source: meta-llama/Llama-3.3-70B-Instruct, dtype: fp8}
  engine:
    kind: vllm
    kvCacheDtype: fp8
    maxNumBatchedTokens: 8192
    numSchedulerSteps: 1
    speculative: {method: draft, draftModel: meta-llama/Llama-3.2-1B-Instruct,
                  numSpeculativeTokens: 5, draftTensorParallelSize: 1}
    extraArgs: [--max-num-seqs, "256", --enforce-eager]
  worker: {replicas: 1, tensorParallelSize: 8}
)");
  ASSERT_TRUE(deployment.ok()) << deployment.status();
  const ModelDeploymentSpec& spec = deployment->spec;
  EXPECT_EQ(spec.model.dtype, "fp8");
  EXPECT_EQ(spec.Role(WorkerRole::kAggregated).pipeline_parallel_size, 1);
  EXPECT_EQ(spec.Role(WorkerRole::kAggregated).Partitions(), 8);
  EXPECT_EQ(spec.engine.max_num_batched_tokens, 8192);
  EXPECT_EQ(spec.engine.num_scheduler_steps, 1);
  ASSERT_TRUE(spec.engine.speculative.has_value());
  EXPECT_EQ(spec.engine.speculative->method, "draft");
  EXPECT_EQ(spec.engine.speculative->draft_model, "meta-llama/Llama-3.2-1B-Instruct");
  EXPECT_EQ(spec.engine.speculative->num_speculative_tokens, 5);
  EXPECT_EQ(spec.engine.speculative->draft_tensor_parallel_size, 1);
  StatusOr<ModelDeploymentSpec> again =
      ModelDeploymentSpecFromJson(ModelDeploymentSpecToJson(spec));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, spec);
}

// Seed 001: TP 2 × PP 4 on one MI300X.
TEST(ModelDeploymentTest, ReadsPipelineParallelSizePerRole) {
  StatusOr<ModelDeployment> deployment = Parse(R"(
apiVersion: serving.tessera.io/v1alpha1
kind: ModelDeployment
metadata: {name: llama-70b}
spec:
  model: {source: meta-llama/Llama-3.3-70B-Instruct}
  engine: {kind: vllm, numSchedulerSteps: 12}
  mode: disaggregated
  prefill: {replicas: 1, tensorParallelSize: 2, pipelineParallelSize: 4}
  decode: {replicas: 1, tensorParallelSize: 8}
)");
  ASSERT_TRUE(deployment.ok()) << deployment.status();
  const ModelDeploymentSpec& spec = deployment->spec;
  EXPECT_EQ(spec.Role(WorkerRole::kPrefill).pipeline_parallel_size, 4);
  EXPECT_EQ(spec.Role(WorkerRole::kPrefill).Partitions(), 8);
  EXPECT_EQ(spec.Role(WorkerRole::kDecode).pipeline_parallel_size, 1);
  const nlohmann::json json = ModelDeploymentSpecToJson(spec);
  EXPECT_EQ(json.at("prefill").at("pipelineParallelSize"), 4);
  StatusOr<ModelDeploymentSpec> again = ModelDeploymentSpecFromJson(json);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, spec);
}

TEST(ModelDeploymentTest, NgramAndMultiStepParse) {
  for (std::string_view engine :
       {"{kind: vllm, speculative: {method: ngram, numSpeculativeTokens: 10}}",
        "{kind: vllm, numSchedulerSteps: 12}", "{kind: sim, numSchedulerSteps: 12}",
        "{kind: sglang, speculative: {method: eagle, draftModel: e, numSpeculativeTokens: 3}}"}) {
    StatusOr<ModelDeployment> deployment = Parse(
        "apiVersion: serving.tessera.io/v1alpha1\nkind: ModelDeployment\nmetadata: {name: "
        "d}\nspec:\n  model: {source: m}\n  engine: " +
        std::string(engine) + "\n  worker: {replicas: 1}\n");
    EXPECT_TRUE(deployment.ok()) << engine << ": " << deployment.status();
  }
}

// A manifest written before pipelineParallelSize existed keeps its JSON
// form (the directory store's spec hash, hence its generation).
TEST(ModelDeploymentTest, DefaultPipelineParallelSizeIsLeftOutOfTheJson) {
  StatusOr<ModelDeployment> deployment = Parse(kDisaggregated);
  ASSERT_TRUE(deployment.ok()) << deployment.status();
  const nlohmann::json json = ModelDeploymentSpecToJson(deployment->spec);
  EXPECT_FALSE(json.at("prefill").contains("pipelineParallelSize"));
  EXPECT_FALSE(json.at("engine").contains("speculative"));
  EXPECT_FALSE(json.at("model").contains("dtype"));
}

struct BadSpec {
  std::string name;  // the test's name
  std::string spec;  // YAML of spec's body
  std::string message;
};

// What gtest prints for the parameter (beside the test's name), instead of
// the struct's bytes.
void PrintTo(const BadSpec& spec, std::ostream* out) { *out << spec.name; }

class BadModelDeploymentTest : public ::testing::TestWithParam<BadSpec> {};

TEST_P(BadModelDeploymentTest, NamesTheField) {
  const std::string yaml =
      "apiVersion: serving.tessera.io/v1alpha1\nkind: ModelDeployment\nmetadata: {name: d}\n"
      "spec:\n" +
      GetParam().spec;
  StatusOr<ModelDeployment> deployment = Parse(yaml);
  ASSERT_FALSE(deployment.ok());
  EXPECT_EQ(deployment.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(deployment.status().message(), HasSubstr(GetParam().message));
}

constexpr std::string_view kModelEngine =
    "  model: {source: llama-3.1-8b}\n  engine: {kind: sim}\n";

INSTANTIATE_TEST_SUITE_P(
    Errors, BadModelDeploymentTest,
    ::testing::Values(
        BadSpec{"NoWorker", std::string(kModelEngine),
                "spec.worker: is required in aggregated mode"},
        BadSpec{"NoDecode",
                std::string(kModelEngine) + "  mode: disaggregated\n  prefill: {replicas: 1}\n",
                "spec.decode: is required in disaggregated mode"},
        BadSpec{"WorkerInDisaggregated",
                std::string(kModelEngine) +
                    "  mode: disaggregated\n  prefill: {replicas: 1}\n  decode: {replicas: "
                    "1}\n  worker: {replicas: 1}\n",
                "spec.worker: disaggregated mode has prefill and decode workers"},
        BadSpec{"PrefillInAggregated",
                std::string(kModelEngine) + "  worker: {replicas: 1}\n  prefill: {replicas: 1}\n",
                "spec.prefill: only disaggregated mode"},
        BadSpec{"UnknownMode",
                std::string(kModelEngine) + "  mode: split\n  worker: {replicas: 1}\n",
                "spec.mode: must be aggregated or disaggregated, got \"split\""},
        BadSpec{"NegativeReplicas", std::string(kModelEngine) + "  worker: {replicas: -1}\n",
                "spec.worker.replicas: must be between 0 and 10000, got -1"},
        BadSpec{"TensorParallelNotPowerOfTwo",
                std::string(kModelEngine) + "  worker: {replicas: 1, tensorParallelSize: 6}\n",
                "spec.worker.tensorParallelSize: must be a power of two, got 6"},
        BadSpec{"PipelineParallelZero",
                std::string(kModelEngine) + "  worker: {replicas: 1, pipelineParallelSize: 0}\n",
                "spec.worker.pipelineParallelSize: must be between 1 and 64, got 0"},
        BadSpec{"TooManyPartitionsPerWorker",
                std::string(kModelEngine) +
                    "  mode: disaggregated\n  prefill: {replicas: 1}\n  decode: {replicas: 1, "
                    "tensorParallelSize: 16, pipelineParallelSize: 8}\n",
                "spec.decode.pipelineParallelSize: tensorParallelSize × pipelineParallelSize is "
                "the partitions a worker holds, at most 64, got 128"},
        BadSpec{"UnknownModelDtype",
                "  model: {source: m, dtype: int4}\n  engine: {kind: sim}\n  worker: {replicas: "
                "1}\n",
                "spec.model.dtype: must be one of bfloat16, float16, fp8, got \"int4\""},
        BadSpec{"SpeculativeUnknownMethod",
                "  model: {source: m}\n  engine: {kind: vllm, speculative: {method: medusa, "
                "numSpeculativeTokens: 3}}\n  worker: {replicas: 1}\n",
                "spec.engine.speculative.method: must be one of draft, ngram, eagle, got "
                "\"medusa\""},
        BadSpec{"SpeculativeDraftWithoutModel",
                "  model: {source: m}\n  engine: {kind: vllm, speculative: {method: draft, "
                "numSpeculativeTokens: 3}}\n  worker: {replicas: 1}\n",
                "spec.engine.speculative.draftModel: is required for method draft and eagle"},
        BadSpec{"SpeculativeEagleWithoutModel",
                "  model: {source: m}\n  engine: {kind: sglang, speculative: {method: eagle, "
                "numSpeculativeTokens: 3}}\n  worker: {replicas: 1}\n",
                "spec.engine.speculative.draftModel: is required for method draft and eagle"},
        BadSpec{"SpeculativeNgramWithModel",
                "  model: {source: m}\n  engine: {kind: vllm, speculative: {method: ngram, "
                "draftModel: x, numSpeculativeTokens: 3}}\n  worker: {replicas: 1}\n",
                "spec.engine.speculative.draftModel: method ngram proposes tokens from the prompt "
                "and uses no draft model"},
        BadSpec{"SpeculativeWithoutTokens",
                "  model: {source: m}\n  engine: {kind: vllm, speculative: {method: ngram}}\n  "
                "worker: {replicas: 1}\n",
                "spec.engine.speculative.numSpeculativeTokens: is required"},
        BadSpec{"SpeculativeTooManyTokens",
                "  model: {source: m}\n  engine: {kind: vllm, speculative: {method: ngram, "
                "numSpeculativeTokens: 17}}\n  worker: {replicas: 1}\n",
                "spec.engine.speculative.numSpeculativeTokens: must be between 1 and 16, got 17"},
        BadSpec{"SpeculativeUnknownField",
                "  model: {source: m}\n  engine: {kind: vllm, speculative: {method: ngram, "
                "numSpeculativeTokens: 2, tokens: 3}}\n  worker: {replicas: 1}\n",
                "spec.engine.speculative.tokens: unknown field"},
        BadSpec{"DraftTensorParallelNotTheWorkers",
                "  model: {source: m}\n  engine: {kind: vllm, speculative: {method: draft, "
                "draftModel: x, numSpeculativeTokens: 3, draftTensorParallelSize: 2}}\n  "
                "worker: {replicas: 1, tensorParallelSize: 4}\n",
                "spec.engine.speculative.draftTensorParallelSize: must be 1 or the "
                "tensorParallelSize of every role"},
        BadSpec{"DraftTensorParallelWithSglang",
                "  model: {source: m}\n  engine: {kind: sglang, speculative: {method: eagle, "
                "draftModel: x, numSpeculativeTokens: 3, draftTensorParallelSize: 1}}\n  "
                "worker: {replicas: 1}\n",
                "spec.engine.speculative.draftTensorParallelSize: SGLang runs the draft model at "
                "the worker's tensorParallelSize; remove it for kind sglang"},
        BadSpec{"SchedulerStepsWithSpeculative",
                "  model: {source: m}\n  engine: {kind: vllm, numSchedulerSteps: 12, "
                "speculative: {method: ngram, numSpeculativeTokens: 5}}\n  worker: {replicas: "
                "1}\n",
                "spec.engine.numSchedulerSteps: multi-step scheduling (above 1) cannot be "
                "combined with spec.engine.speculative (vLLM refuses it)"},
        BadSpec{"SpeculativeWithPipelineStages",
                "  model: {source: m}\n  engine: {kind: vllm, speculative: {method: ngram, "
                "numSpeculativeTokens: 5}}\n  mode: disaggregated\n  prefill: {replicas: 1}\n  "
                "decode: {replicas: 1, tensorParallelSize: 2, pipelineParallelSize: 2}\n",
                "spec.engine.speculative: speculative decoding cannot be combined with "
                "pipelineParallelSize above 1"},
        BadSpec{"SchedulerStepsWithSglang",
                "  model: {source: m}\n  engine: {kind: sglang, numSchedulerSteps: 1}\n  "
                "worker: {replicas: 1}\n",
                "spec.engine.numSchedulerSteps: SGLang has no multi-step scheduling; remove it "
                "for kind sglang"},
        BadSpec{"SchedulerStepsTooMany",
                "  model: {source: m}\n  engine: {kind: vllm, numSchedulerSteps: 65}\n  "
                "worker: {replicas: 1}\n",
                "spec.engine.numSchedulerSteps: must be between 1 and 64, got 65"},
        BadSpec{"BatchedTokensZero",
                "  model: {source: m}\n  engine: {kind: vllm, maxNumBatchedTokens: 0}\n  "
                "worker: {replicas: 1}\n",
                "spec.engine.maxNumBatchedTokens: must be between 1 and 100000000, got 0"},
        BadSpec{"ExtraArgOffTheList",
                "  model: {source: m}\n  engine: {kind: vllm, extraArgs: [--seed, '1', "
                "--trust-remote-code]}\n  worker: {replicas: 1}\n",
                "spec.engine.extraArgs[2]: --trust-remote-code is not on vllm's extraArgs "
                "allow-list (docs/resources.md#extra-engine-arguments)"},
        BadSpec{"ExtraArgSetByTessera",
                "  model: {source: m}\n  engine: {kind: vllm, extraArgs: [--tensor-parallel-size, "
                "'8']}\n  worker: {replicas: 1}\n",
                "spec.engine.extraArgs[0]: --tensor-parallel-size is set by Tessera from "
                "tensorParallelSize and cannot be given in extraArgs"},
        BadSpec{"ExtraArgPositional",
                "  model: {source: m}\n  engine: {kind: sglang, extraArgs: [other-model]}\n  "
                "worker: {replicas: 1}\n",
                "spec.engine.extraArgs[0]: \"other-model\" is not a flag and follows none"},
        BadSpec{"UnknownRoleField",
                std::string(kModelEngine) + "  worker: {replicas: 1, replica: 2}\n",
                "spec.worker.replica: unknown field"},
        BadSpec{"UnknownEngineKind",
                "  model: {source: m}\n  engine: {kind: trt}\n  worker: {replicas: 1}\n",
                "spec.engine.kind"},
        BadSpec{"RouterAsEngine",
                "  model: {source: m}\n  engine: {kind: tessera-router}\n  worker: {replicas: 1}\n",
                "spec.engine.kind: unknown engine kind \"tessera-router\"; expected vllm, sglang "
                "or sim"},
        BadSpec{"NoModel", "  engine: {kind: sim}\n  worker: {replicas: 1}\n",
                "spec.model: is required"},
        BadSpec{"UnknownKvCacheDtype",
                "  model: {source: m}\n  engine: {kind: sim, kvCacheDtype: int4}\n  worker: "
                "{replicas: 1}\n",
                "spec.engine.kvCacheDtype: must be one of"},
        BadSpec{"ZeroGpuMemoryUtilization",
                "  model: {source: m}\n  engine: {kind: sim, gpuMemoryUtilization: 0}\n  "
                "worker: {replicas: 1}\n",
                "spec.engine.gpuMemoryUtilization: must be above 0"},
        BadSpec{"EnvVisibleDevices",
                "  model: {source: m}\n  engine: {kind: sim, env: {HIP_VISIBLE_DEVICES: "
                "'0'}}\n  worker: {replicas: 1}\n",
                "spec.engine.env.HIP_VISIBLE_DEVICES: is set by the agent"},
        BadSpec{"RolloutAllZero",
                std::string(kModelEngine) +
                    "  worker: {replicas: 1}\n  rollout: {maxSurge: 0, maxUnavailable: 0}\n",
                "spec.rollout: maxSurge and maxUnavailable cannot both be 0"},
        BadSpec{"ZeroProgressDeadline",
                std::string(kModelEngine) +
                    "  worker: {replicas: 1}\n  rollout: {progressDeadlineSeconds: 0}\n",
                "spec.rollout.progressDeadlineSeconds: must be between 1 and 604800, got 0"},
        BadSpec{"UnknownComputePartition",
                std::string(kModelEngine) +
                    "  worker: {replicas: 1}\n  placement: {computePartition: xpx}\n",
                "spec.placement.computePartition"},
        BadSpec{"ArchitectureWithoutParameters",
                "  model: {source: m, architecture: {layers: 2}}\n  engine: {kind: sim}\n  "
                "worker: {replicas: 1}\n",
                "spec.model.architecture.parameters: is required"},
        BadSpec{"KvHeadsNotDividing",
                "  model: {source: m, architecture: {parameters: 10, layers: 2, hiddenSize: 64, "
                "attentionHeads: 8, kvHeads: 3}}\n  engine: {kind: sim}\n  worker: {replicas: "
                "1}\n",
                "spec.model.architecture.kvHeads: 3 must divide attentionHeads 8"}),
    [](const ::testing::TestParamInfo<BadSpec>& param_info) { return param_info.param.name; });

TEST(ModelDeploymentTest, ExtraArgsAreBounded) {
  std::string seeds = "--seed";
  for (int i = 0; i < 64; ++i) seeds += ", --seed";
  StatusOr<ModelDeployment> deployment = Parse(
      "apiVersion: serving.tessera.io/v1alpha1\nkind: ModelDeployment\nmetadata: {name: d}\n"
      "spec:\n  model: {source: m}\n  engine: {kind: sim, extraArgs: [" +
      seeds + "]}\n  worker: {replicas: 1}\n");
  ASSERT_FALSE(deployment.ok());
  EXPECT_THAT(deployment.status().message(),
              HasSubstr("spec.engine.extraArgs: at most 64 elements, got 65"));
}

TEST(ModelDeploymentTest, RejectsBadMetadataAndKind) {
  StatusOr<ModelDeployment> long_name = Parse(
      "apiVersion: serving.tessera.io/v1alpha1\nkind: ModelDeployment\nmetadata: {name: "
      "Llama_8B}\nspec: {}\n");
  ASSERT_FALSE(long_name.ok());
  EXPECT_THAT(long_name.status().message(), HasSubstr("metadata.name:"));
  StatusOr<ModelDeployment> kind =
      Parse("apiVersion: serving.tessera.io/v1alpha1\nkind: Deployment\nmetadata: {name: a}\n");
  ASSERT_FALSE(kind.ok());
  EXPECT_THAT(kind.status().message(), HasSubstr("kind: must be ModelDeployment"));
  StatusOr<ModelDeployment> version =
      Parse("apiVersion: v1\nkind: ModelDeployment\nmetadata: {name: a}\n");
  ASSERT_FALSE(version.ok());
  EXPECT_THAT(version.status().message(), HasSubstr("apiVersion: must be"));
}

TEST(ModelDeploymentStatusTest, RoundTripsAndSummarises) {
  ModelDeploymentStatus status;
  status.observed_generation = 4;
  status.roles[WorkerRole::kDecode] = {.desired = 3, .replicas = 3, .ready = 2, .updated = 3};
  status.workers.push_back({.name = "serving.llama.decode-0a1b2c3d-0",
                            .role = WorkerRole::kDecode,
                            .node = "node-a",
                            .partitions = {0, 1},
                            .url = "http://node-a:20000",
                            .bootstrap_port = std::nullopt,
                            .state = "ready",
                            .ready = true,
                            .updated = true});
  SetCondition(status.conditions,
               {.type = "Ready",
                .status = "False",
                .reason = "WorkersNotReady",
                .message = "m",
                .observed_generation = 4,
                .last_transition_time = {}},
               std::chrono::system_clock::time_point{});
  SetCondition(status.conditions,
               {.type = "Progressing",
                .status = "True",
                .reason = "ScalingUp",
                .message = "m",
                .observed_generation = 4,
                .last_transition_time = {},
                .last_update_time = "2026-01-01T00:10:00Z"},
               std::chrono::system_clock::time_point{});
  const nlohmann::json json = ModelDeploymentStatusToJson(status);
  EXPECT_EQ(json["conditions"][1]["lastUpdateTime"], "2026-01-01T00:10:00Z");
  EXPECT_FALSE(json["conditions"][0].contains("lastUpdateTime"));
  EXPECT_EQ(json["decode"]["summary"], "2/3");
  EXPECT_EQ(ModelDeploymentStatusToJson(ModelDeploymentStatusFromJson(json)), json);
}

TEST(ModelDeploymentStatusTest, DamagedStatusIsReadAsFarAsItGoes) {
  const ModelDeploymentStatus status = ModelDeploymentStatusFromJson(
      nlohmann::json{{"observedGeneration", "x"},
                     {"workers", {1, {{"name", 5}}}},
                     {"conditions", {{{"type", "Ready"}, {"status", 1}}}}});
  EXPECT_EQ(status.observed_generation, 0);
  ASSERT_EQ(status.workers.size(), 1U);
  EXPECT_EQ(status.workers[0].name, "");
  ASSERT_EQ(status.conditions.size(), 1U);
  EXPECT_EQ(status.conditions[0].status, "");
}

TEST(ConditionTest, TransitionTimeMovesOnlyWithStatus) {
  std::vector<Condition> conditions;
  const auto t0 = std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 365 * 56);
  const auto t1 = t0 + std::chrono::minutes(1);
  const auto t2 = t1 + std::chrono::minutes(1);
  EXPECT_TRUE(SetCondition(conditions, {.type = "Ready", .status = "False", .reason = "A"}, t0));
  const std::string first = conditions[0].last_transition_time;
  EXPECT_TRUE(SetCondition(conditions, {.type = "Ready", .status = "False", .reason = "B"}, t1));
  EXPECT_EQ(conditions[0].last_transition_time, first);
  EXPECT_FALSE(SetCondition(conditions, {.type = "Ready", .status = "False", .reason = "B"}, t1));
  EXPECT_TRUE(SetCondition(conditions, {.type = "Ready", .status = "True", .reason = "C"}, t2));
  EXPECT_NE(conditions[0].last_transition_time, first);
  EXPECT_EQ(conditions.size(), 1U);
}

}  // namespace
}  // namespace tessera::resources
