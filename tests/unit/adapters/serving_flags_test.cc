// Golden argv for the serving settings of issue 21: pipeline parallelism,
// speculative decoding, multi-step scheduling, the batched-token budget and
// weight quantization, per engine and, for vLLM, per release.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/adapters/engine_adapter.h"
#include "engine/adapters/engine_version.h"

namespace tessera::adapters {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr EngineVersion kVllm066{.major = 0, .minor = 6, .patch = 6};
constexpr EngineVersion kVllm090{.major = 0, .minor = 9, .patch = 0};

EngineInstallation Vllm(std::optional<EngineVersion> version) {
  return {.name = "vllm",
          .kind = wire::EngineKind::kVllm,
          .command = {"vllm"},
          .env = {},
          .sim_flavor = wire::MetricDialect::kVllm,
          .version = version};
}

EngineInstallation Sglang() {
  return {.name = "sglang",
          .kind = wire::EngineKind::kSglang,
          .command = {"python3", "-m", "sglang.launch_server"}};
}

EngineInstallation Sim(std::optional<EngineVersion> version = std::nullopt) {
  return {.name = "sim",
          .kind = wire::EngineKind::kSim,
          .command = {"tessera-engine-sim"},
          .env = {},
          .sim_flavor = wire::MetricDialect::kVllm,
          .version = version};
}

// Seed 001: Llama 3.3 70B on one MI300X's 8 partitions as TP 2 × PP 4.
wire::EngineSettings PipelineSettings() {
  wire::EngineSettings settings;
  settings.model = "meta-llama/Llama-3.3-70B-Instruct";
  settings.tensor_parallel_size = 2;
  settings.pipeline_parallel_size = 4;
  return settings;
}

wire::SpeculativeDecoding Draft(std::string model, int64_t tokens) {
  return {.method = "draft", .draft_model = std::move(model), .num_speculative_tokens = tokens};
}

LaunchContext Context() {
  return {.host = "0.0.0.0",
          .port = 20001,
          .bootstrap_port = {},
          .devices = {0, 1, 2, 3, 4, 5, 6, 7},
          .hardware = "mi300x:cpx/nps4"};
}

std::vector<std::string> Argv(const EngineInstallation& installation,
                              const wire::EngineSettings& settings) {
  StatusOr<LaunchPlan> plan =
      AdapterFor(installation.kind)
          .Plan(installation, settings, wire::WorkerRole::kAggregated, Context());
  EXPECT_TRUE(plan.ok()) << plan.status();
  return plan.ok() ? plan->argv : std::vector<std::string>{};
}

Status PlanError(const EngineInstallation& installation, const wire::EngineSettings& settings) {
  StatusOr<LaunchPlan> plan =
      AdapterFor(installation.kind)
          .Plan(installation, settings, wire::WorkerRole::kAggregated, Context());
  return plan.status();
}

// --- vLLM ---------------------------------------------------------------------

TEST(VllmServingFlagsTest, PipelineParallelWithFp8WeightsAndABatchBudget) {
  wire::EngineSettings settings = PipelineSettings();
  settings.quantization = "fp8";
  settings.kv_cache_dtype = "fp8";
  settings.max_num_batched_tokens = 8192;
  settings.enable_prefix_caching = true;
  for (const EngineInstallation& vllm : {Vllm(kVllm066), Vllm(kVllm090), Vllm(std::nullopt)}) {
    EXPECT_THAT(
        Argv(vllm, settings),
        ElementsAre("vllm", "serve", "meta-llama/Llama-3.3-70B-Instruct", "--host", "0.0.0.0",
                    "--port", "20001", "--tensor-parallel-size", "2", "--pipeline-parallel-size",
                    "4", "--kv-cache-dtype", "fp8", "--quantization", "fp8",
                    "--max-num-batched-tokens", "8192", "--enable-prefix-caching"));
  }
}

TEST(VllmServingFlagsTest, OnePipelineStageWritesNoFlag) {
  wire::EngineSettings settings = PipelineSettings();
  settings.pipeline_parallel_size = 1;
  EXPECT_THAT(Argv(Vllm(kVllm090), settings), Not(Contains("--pipeline-parallel-size")));
}

TEST(VllmServingFlagsTest, ComputeDtype) {
  wire::EngineSettings settings = PipelineSettings();
  settings.dtype = "float16";
  EXPECT_THAT(Argv(Vllm(kVllm090), settings),
              ElementsAre("vllm", "serve", "meta-llama/Llama-3.3-70B-Instruct", "--host", "0.0.0.0",
                          "--port", "20001", "--tensor-parallel-size", "2",
                          "--pipeline-parallel-size", "4", "--dtype", "float16"));
}

TEST(VllmServingFlagsTest, MultiStepSchedulingOnV0) {
  wire::EngineSettings settings = PipelineSettings();
  settings.pipeline_parallel_size = 1;
  settings.tensor_parallel_size = 8;
  settings.num_scheduler_steps = 12;
  EXPECT_THAT(
      Argv(Vllm(kVllm066), settings),
      ElementsAre("vllm", "serve", "meta-llama/Llama-3.3-70B-Instruct", "--host", "0.0.0.0",
                  "--port", "20001", "--tensor-parallel-size", "8", "--num-scheduler-steps", "12"));
}

TEST(VllmServingFlagsTest, MultiStepSchedulingIsRefusedOnV1NamingTheRelease) {
  wire::EngineSettings settings = PipelineSettings();
  settings.num_scheduler_steps = 12;
  EXPECT_THAT(PlanError(Vllm(kVllm090), settings).message(),
              HasSubstr("engine.numSchedulerSteps: vLLM 0.9.0 has no multi-step scheduling"));
  EXPECT_THAT(PlanError(Vllm(std::nullopt), settings).message(),
              HasSubstr("engine.numSchedulerSteps: vLLM (the agent's engine entry \"vllm\" gives "
                        "no version: V1 spellings) has no multi-step scheduling"));
}

// Speculative settings on the TP 2 worker of a four-instance comparison.
wire::EngineSettings SpeculativeSettings() {
  wire::EngineSettings settings = PipelineSettings();
  settings.pipeline_parallel_size = 1;
  return settings;
}

TEST(VllmServingFlagsTest, DraftModelOnV0) {
  wire::EngineSettings settings = SpeculativeSettings();
  for (int64_t tokens : {5, 10}) {
    for (const char* draft : {"meta-llama/Llama-3.2-1B-Instruct", "meta-llama/Llama-3.1-8B"}) {
      settings.speculative = Draft(draft, tokens);
      EXPECT_THAT(
          Argv(Vllm(kVllm066), settings),
          ElementsAre("vllm", "serve", "meta-llama/Llama-3.3-70B-Instruct", "--host", "0.0.0.0",
                      "--port", "20001", "--tensor-parallel-size", "2", "--speculative-model",
                      draft, "--num-speculative-tokens", std::to_string(tokens)));
    }
  }
}

TEST(VllmServingFlagsTest, DraftTensorParallelSizeOnV0) {
  wire::EngineSettings settings = SpeculativeSettings();
  settings.speculative = Draft("meta-llama/Llama-3.2-1B-Instruct", 5);
  settings.speculative->draft_tensor_parallel_size = 1;
  EXPECT_THAT(Argv(Vllm(kVllm066), settings),
              ElementsAre("vllm", "serve", "meta-llama/Llama-3.3-70B-Instruct", "--host", "0.0.0.0",
                          "--port", "20001", "--tensor-parallel-size", "2", "--speculative-model",
                          "meta-llama/Llama-3.2-1B-Instruct", "--num-speculative-tokens", "5",
                          "--speculative-draft-tensor-parallel-size", "1"));
}

TEST(VllmServingFlagsTest, NgramOnV0) {
  wire::EngineSettings settings = SpeculativeSettings();
  settings.speculative = {.method = "ngram", .num_speculative_tokens = 5};
  EXPECT_THAT(
      Argv(Vllm(kVllm066), settings),
      ElementsAre("vllm", "serve", "meta-llama/Llama-3.3-70B-Instruct", "--host", "0.0.0.0",
                  "--port", "20001", "--tensor-parallel-size", "2", "--speculative-model",
                  "[ngram]", "--num-speculative-tokens", "5", "--ngram-prompt-lookup-max", "4"));
}

TEST(VllmServingFlagsTest, SpeculativeConfigOnV1) {
  wire::EngineSettings settings = SpeculativeSettings();
  settings.speculative = Draft("meta-llama/Llama-3.2-1B-Instruct", 5);
  const std::vector<std::string> expected = {
      "vllm",
      "serve",
      "meta-llama/Llama-3.3-70B-Instruct",
      "--host",
      "0.0.0.0",
      "--port",
      "20001",
      "--tensor-parallel-size",
      "2",
      "--speculative-config",
      R"({"method":"draft_model","model":"meta-llama/Llama-3.2-1B-Instruct","num_speculative_tokens":5})"};
  EXPECT_EQ(Argv(Vllm(kVllm090), settings), expected);
  // No version: today's spellings.
  EXPECT_EQ(Argv(Vllm(std::nullopt), settings), expected);

  settings.speculative = {.method = "ngram", .num_speculative_tokens = 10};
  EXPECT_EQ(Argv(Vllm(kVllm090), settings).back(),
            R"({"method":"ngram","num_speculative_tokens":10})");
  settings.speculative = {.method = "eagle",
                          .draft_model = "yuhuili/EAGLE-LLaMA3-Instruct-70B",
                          .num_speculative_tokens = 3,
                          .draft_tensor_parallel_size = 2};
  EXPECT_EQ(
      Argv(Vllm(kVllm090), settings).back(),
      R"({"draft_tensor_parallel_size":2,"method":"eagle","model":"yuhuili/EAGLE-LLaMA3-Instruct-70B","num_speculative_tokens":3})");
}

TEST(VllmServingFlagsTest, ExtraArgsOffTheAllowListAreRefusedAtLaunch) {
  wire::EngineSettings settings = PipelineSettings();
  settings.extra_args = {"--trust-remote-code"};
  EXPECT_THAT(PlanError(Vllm(kVllm090), settings).message(),
              HasSubstr("engine.extraArgs[0]: --trust-remote-code is not on vllm's extraArgs "
                        "allow-list"));
  settings.extra_args = {"--pipeline-parallel-size", "8"};
  EXPECT_THAT(PlanError(Vllm(kVllm090), settings).message(),
              HasSubstr("engine.extraArgs[0]: --pipeline-parallel-size is set by Tessera"));
}

TEST(ServingFlagsTest, SpeculativeDecodingAcrossPipelineStagesIsRefused) {
  wire::EngineSettings settings = PipelineSettings();
  settings.speculative = Draft("meta-llama/Llama-3.2-1B-Instruct", 5);
  EXPECT_THAT(PlanError(Vllm(kVllm066), settings).message(),
              HasSubstr("engine.speculative: vLLM does not run speculative decoding with "
                        "pipelineParallelSize 4"));
  EXPECT_THAT(PlanError(Sglang(), settings).message(),
              HasSubstr("engine.speculative: SGLang does not run speculative decoding with "
                        "pipelineParallelSize 4"));
}

// --- SGLang -------------------------------------------------------------------

TEST(SglangServingFlagsTest, PipelineParallelWithFp8WeightsAndAChunkedPrefillBudget) {
  wire::EngineSettings settings = PipelineSettings();
  settings.quantization = "fp8";
  settings.kv_cache_dtype = "fp8";
  settings.max_num_batched_tokens = 4096;
  settings.enable_prefix_caching = false;
  EXPECT_THAT(Argv(Sglang(), settings),
              ElementsAre("python3", "-m", "sglang.launch_server", "--model-path",
                          "meta-llama/Llama-3.3-70B-Instruct", "--host", "0.0.0.0", "--port",
                          "20001", "--tp-size", "2", "--pp-size", "4", "--kv-cache-dtype",
                          "fp8_e4m3", "--quantization", "fp8", "--chunked-prefill-size", "4096",
                          "--disable-radix-cache", "--enable-metrics"));
}

TEST(SglangServingFlagsTest, SpeculativeAlgorithms) {
  wire::EngineSettings settings = SpeculativeSettings();
  settings.pipeline_parallel_size = 1;
  settings.tensor_parallel_size = 8;
  const std::vector<std::string> head = {"python3",
                                         "-m",
                                         "sglang.launch_server",
                                         "--model-path",
                                         "meta-llama/Llama-3.3-70B-Instruct",
                                         "--host",
                                         "0.0.0.0",
                                         "--port",
                                         "20001",
                                         "--tp-size",
                                         "8"};
  auto with = [&head](std::vector<std::string> tail) {
    std::vector<std::string> argv = head;
    argv.insert(argv.end(), tail.begin(), tail.end());
    argv.emplace_back("--enable-metrics");
    return argv;
  };
  settings.speculative = {.method = "eagle",
                          .draft_model = "lmsys/sglang-EAGLE-LLaMA3-Instruct-70B",
                          .num_speculative_tokens = 5};
  EXPECT_EQ(Argv(Sglang(), settings),
            with({"--speculative-algorithm", "EAGLE", "--speculative-draft-model-path",
                  "lmsys/sglang-EAGLE-LLaMA3-Instruct-70B", "--speculative-num-steps", "5",
                  "--speculative-eagle-topk", "1", "--speculative-num-draft-tokens", "6"}));
  settings.speculative = Draft("meta-llama/Llama-3.2-1B-Instruct", 10);
  EXPECT_EQ(Argv(Sglang(), settings),
            with({"--speculative-algorithm", "STANDALONE", "--speculative-draft-model-path",
                  "meta-llama/Llama-3.2-1B-Instruct", "--speculative-num-steps", "10",
                  "--speculative-eagle-topk", "1", "--speculative-num-draft-tokens", "11"}));
  settings.speculative = {.method = "ngram", .num_speculative_tokens = 4};
  EXPECT_EQ(Argv(Sglang(), settings),
            with({"--speculative-algorithm", "NGRAM", "--speculative-num-steps", "4",
                  "--speculative-eagle-topk", "1", "--speculative-num-draft-tokens", "5"}));
}

TEST(SglangServingFlagsTest, RefusesWhatSglangHasNot) {
  wire::EngineSettings settings = SpeculativeSettings();
  settings.num_scheduler_steps = 8;
  EXPECT_THAT(PlanError(Sglang(), settings).message(),
              HasSubstr("engine.numSchedulerSteps: SGLang has no multi-step scheduling"));
  settings.num_scheduler_steps = 1;
  settings.speculative = Draft("d", 3);
  settings.speculative->draft_tensor_parallel_size = 1;
  EXPECT_THAT(PlanError(Sglang(), settings).message(),
              HasSubstr("engine.speculative.draftTensorParallelSize: SGLang runs the draft model"));
  settings.speculative.reset();
  settings.extra_args = {"--pp-size", "2"};
  EXPECT_THAT(PlanError(Sglang(), settings).message(),
              HasSubstr("engine.extraArgs[0]: --pp-size is set by Tessera"));
}

// --- tessera-engine-sim: vLLM's names ---------------------------------------

TEST(SimServingFlagsTest, TakesVllmsNames) {
  wire::EngineSettings settings = PipelineSettings();
  settings.quantization = "fp8";
  settings.max_num_batched_tokens = 2048;
  settings.num_scheduler_steps = 12;
  EXPECT_THAT(
      Argv(Sim(), settings),
      ElementsAre("tessera-engine-sim", "--model", "meta-llama/Llama-3.3-70B-Instruct", "--host",
                  "0.0.0.0", "--port", "20001", "--flavor", "vllm", "--hardware", "mi300x:cpx/nps4",
                  "--tensor-parallel-size", "2", "--pipeline-parallel-size", "4", "--quantization",
                  "fp8", "--max-num-batched-tokens", "2048", "--num-scheduler-steps", "12"));
}

TEST(SimServingFlagsTest, SpeculativeSpellingFollowsTheEntrysVersion) {
  wire::EngineSettings settings = SpeculativeSettings();
  settings.speculative = Draft("meta-llama/Llama-3.2-1B-Instruct", 5);
  const std::vector<std::string> v1 = Argv(Sim(), settings);
  EXPECT_THAT(
      std::vector<std::string>(v1.end() - 2, v1.end()),
      ElementsAre(
          "--speculative-config",
          R"({"method":"draft_model","model":"meta-llama/Llama-3.2-1B-Instruct","num_speculative_tokens":5})"));
  const std::vector<std::string> v0 = Argv(Sim(kVllm066), settings);
  EXPECT_THAT(std::vector<std::string>(v0.end() - 4, v0.end()),
              ElementsAre("--speculative-model", "meta-llama/Llama-3.2-1B-Instruct",
                          "--num-speculative-tokens", "5"));
}

TEST(SimServingFlagsTest, AcceptsItsOwnKnobsAndRefusesOthers) {
  wire::EngineSettings settings = PipelineSettings();
  settings.extra_args = {"--time-scale", "0.1", "--fail-after", "2s"};
  EXPECT_THAT(Argv(Sim(), settings), Contains("--fail-after"));
  settings.extra_args = {"--hardware", "mi355x"};
  EXPECT_THAT(PlanError(Sim(), settings).message(),
              HasSubstr("engine.extraArgs[0]: --hardware is set by Tessera from the agent"));
}

// --- releases -------------------------------------------------------------------

TEST(EngineVersionTest, ReadsReleasesWithBuildTags) {
  for (const auto& [text, expected] : std::vector<std::pair<std::string, EngineVersion>>{
           {"0.6.6", {.major = 0, .minor = 6, .patch = 6}},
           {"0.6.6.post1", {.major = 0, .minor = 6, .patch = 6}},
           {"0.9.0+rocm6.4", {.major = 0, .minor = 9, .patch = 0}},
           {"0.10", {.major = 0, .minor = 10, .patch = 0}},
           {"1.2.3-dev", {.major = 1, .minor = 2, .patch = 3}}}) {
    StatusOr<EngineVersion> version = ParseEngineVersion(text);
    ASSERT_TRUE(version.ok()) << text << ": " << version.status();
    EXPECT_EQ(*version, expected) << text;
  }
  for (const char* text : {"", "latest", "9", "0.9abc", "v0.9.0", ".9"}) {
    EXPECT_THAT(ParseEngineVersion(text).status().message(),
                HasSubstr("must be an engine release such as 0.6.6 or 0.9.0"))
        << text;
  }
  EXPECT_LT((EngineVersion{.major = 0, .minor = 7, .patch = 3}), kVllmV1);
  EXPECT_GE((EngineVersion{.major = 0, .minor = 10, .patch = 0}), kVllmV1);
}

}  // namespace
}  // namespace tessera::adapters
