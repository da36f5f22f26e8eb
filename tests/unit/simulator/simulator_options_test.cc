#include "engine/simulator/simulator_options.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::simulator {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// `environment`: the variables set, none by default, whatever the process has.
StatusOr<SimulatorOptions> Parse(std::vector<std::string> extra,
                                 std::map<std::string, std::string> environment = {}) {
  std::vector<std::string> args = {"--model", "llama-3.1-8b", "--hardware", "mi300x:cpx"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::string help;
  return ParseSimulatorOptions(args, help, [&](const char* name) -> std::optional<std::string> {
    const auto it = environment.find(name);
    if (it == environment.end()) return std::nullopt;
    return it->second;
  });
}

constexpr const char* kNixl = R"({"kv_connector":"NixlConnector","kv_role":"kv_both"})";

TEST(SimulatorOptionsTest, DisaggregationDefaultsFollowSglang) {
  StatusOr<SimulatorOptions> options = Parse({"--disaggregation-mode", "prefill"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->disaggregation_mode, DisaggregationMode::kPrefill);
  EXPECT_EQ(options->disaggregation_bootstrap_port, 8998);
  EXPECT_DOUBLE_EQ(options->disaggregation_transfer_bandwidth, 50e9);
  EXPECT_DOUBLE_EQ(options->disaggregation_timeout.count(), 300);
}

TEST(SimulatorOptionsTest, TransferBandwidthTakesBytesOrBitsPerSecond) {
  EXPECT_DOUBLE_EQ(
      Parse({"--disaggregation-transfer-bandwidth", "400Gb/s"})->disaggregation_transfer_bandwidth,
      50e9);
  EXPECT_DOUBLE_EQ(
      Parse({"--disaggregation-transfer-bandwidth", "25GB/s"})->disaggregation_transfer_bandwidth,
      25e9);
  EXPECT_DOUBLE_EQ(
      Parse({"--disaggregation-transfer-bandwidth", "1GiB"})->disaggregation_transfer_bandwidth,
      1073741824.0);
}

TEST(SimulatorOptionsTest, BadDisaggregationFlagsNameTheFlag) {
  EXPECT_THAT(Parse({"--disaggregation-transfer-bandwidth", "fast"}).status().message(),
              HasSubstr("--disaggregation-transfer-bandwidth"));
  EXPECT_THAT(Parse({"--disaggregation-transfer-bandwidth", "0GB/s"}).status().message(),
              HasSubstr("must be a positive rate"));
  EXPECT_THAT(Parse({"--disaggregation-timeout", "0s"}).status().message(),
              HasSubstr("--disaggregation-timeout"));
  EXPECT_THAT(Parse({"--disaggregation-mode", "both"}).status().message(),
              HasSubstr("--disaggregation-mode"));
}

TEST(SimulatorOptionsTest, KvTransferConfigFollowsVllmsDefaults) {
  StatusOr<SimulatorOptions> options = Parse({"--kv-transfer-config", kNixl, "--host", "10.1.2.3"});
  ASSERT_TRUE(options.ok()) << options.status();
  ASSERT_TRUE(options->kv_transfer.has_value());
  EXPECT_EQ(options->kv_transfer->connector, "NixlConnector");
  EXPECT_EQ(options->kv_side_channel_host, "10.1.2.3");
  EXPECT_EQ(options->kv_side_channel_port, 5600);
  EXPECT_DOUBLE_EQ(options->kv_abort_request_timeout.count(), 480);
  EXPECT_FALSE(Parse({})->kv_transfer.has_value());
}

TEST(SimulatorOptionsTest, NixlEnvironmentVariablesApplyUnlessAFlagSaysOtherwise) {
  const std::map<std::string, std::string> environment = {
      {"VLLM_NIXL_SIDE_CHANNEL_HOST", "10.9.9.9"},
      {"VLLM_NIXL_SIDE_CHANNEL_PORT", "5700"},
      {"VLLM_NIXL_ABORT_REQUEST_TIMEOUT", "30"}};
  StatusOr<SimulatorOptions> from_environment = Parse({"--kv-transfer-config", kNixl}, environment);
  ASSERT_TRUE(from_environment.ok()) << from_environment.status();
  EXPECT_EQ(from_environment->kv_side_channel_host, "10.9.9.9");
  EXPECT_EQ(from_environment->kv_side_channel_port, 5700);
  EXPECT_DOUBLE_EQ(from_environment->kv_abort_request_timeout.count(), 30);
  StatusOr<SimulatorOptions> from_flags =
      Parse({"--kv-transfer-config", kNixl, "--kv-side-channel-host", "127.0.0.1",
             "--kv-side-channel-port", "0", "--kv-abort-request-timeout", "2.5s"},
            environment);
  ASSERT_TRUE(from_flags.ok()) << from_flags.status();
  EXPECT_EQ(from_flags->kv_side_channel_host, "127.0.0.1");
  EXPECT_EQ(from_flags->kv_side_channel_port, 0);
  EXPECT_DOUBLE_EQ(from_flags->kv_abort_request_timeout.count(), 2.5);
}

TEST(SimulatorOptionsTest, BadKvTransferSettingsNameTheFlagOrVariable) {
  EXPECT_THAT(
      Parse({"--kv-transfer-config", R"({"kv_connector":"MooncakeConnector","kv_role":"kv_both"})"})
          .status()
          .message(),
      HasSubstr("--kv-transfer-config: kv_connector: only NixlConnector is simulated"));
  EXPECT_THAT(Parse({"--kv-transfer-config", "NixlConnector"}).status().message(),
              HasSubstr("--kv-transfer-config"));
  EXPECT_THAT(Parse({"--kv-transfer-config", kNixl, "--flavor", "sglang"}).status().message(),
              HasSubstr("--kv-transfer-config: is vLLM's"));
  EXPECT_THAT(
      Parse({"--kv-transfer-config", kNixl, "--disaggregation-mode", "prefill"}).status().message(),
      HasSubstr("cannot be combined with SGLang's --disaggregation-mode"));
  EXPECT_THAT(Parse({"--kv-abort-request-timeout", "0s"}).status().message(),
              HasSubstr("--kv-abort-request-timeout: must be positive"));
  EXPECT_THAT(Parse({}, {{"VLLM_NIXL_SIDE_CHANNEL_PORT", "56oo"}}).status().message(),
              HasSubstr("VLLM_NIXL_SIDE_CHANNEL_PORT: must be a port"));
  EXPECT_THAT(Parse({}, {{"VLLM_NIXL_ABORT_REQUEST_TIMEOUT", "8m"}}).status().message(),
              HasSubstr("VLLM_NIXL_ABORT_REQUEST_TIMEOUT: must be a whole number of seconds"));
}

TEST(SimulatorOptionsTest, AFlagNeitherEngineHasIsAnErrorNamingIt) {
  StatusOr<SimulatorOptions> options = Parse({"--tensor-parallel-size", "1", "--frobnicate", "3"});
  ASSERT_FALSE(options.ok());
  EXPECT_THAT(options.status().message(), HasSubstr("--frobnicate: not a flag of vLLM or SGLang"));
  EXPECT_THAT(Parse({"--frobnicate=3"}).status().message(), HasSubstr("--frobnicate:"));
  EXPECT_THAT(Parse({"llama-3.1-8b"}).status().message(),
              HasSubstr("unexpected argument \"llama-3.1-8b\""));
}

TEST(SimulatorOptionsTest, EveryListedEngineFlagIsAccepted) {
  for (const PassThroughFlag& flag : TimingNeutralFlags()) {
    const std::string name(flag.names.substr(0, flag.names.find(',')));
    std::vector<std::string> extra = {name};
    if (flag.takes_value) extra.emplace_back("x");
    StatusOr<SimulatorOptions> options = Parse(extra);
    ASSERT_TRUE(options.ok()) << name << ": " << options.status();
    EXPECT_THAT(options->timing_neutral_flags, ElementsAre(flag.takes_value ? name + " x" : name));
    EXPECT_THAT(options->not_simulated_flags, IsEmpty()) << name;
  }
  for (const PassThroughFlag& flag : NotSimulatedFlags()) {
    const std::string name(flag.names.substr(0, flag.names.find(',')));
    std::vector<std::string> extra = {name};
    if (flag.takes_value) extra.emplace_back("2");
    StatusOr<SimulatorOptions> options = Parse(extra);
    ASSERT_TRUE(options.ok()) << name << ": " << options.status();
    EXPECT_THAT(options->not_simulated_flags, ElementsAre(flag.takes_value ? name + " 2" : name));
  }
}

TEST(SimulatorOptionsTest, ContractFlagsNotSimulatedAreNamedWithTheirValues) {
  StatusOr<SimulatorOptions> options = Parse(
      {"--pipeline-parallel-size", "4", "--speculative-algorithm", "EAGLE", "--trust-remote-code"});
  ASSERT_TRUE(options.ok()) << options.status();
  // Pipeline parallelism is modelled: no warning.
  EXPECT_THAT(options->not_simulated_flags, ElementsAre("--speculative-algorithm EAGLE"));
  EXPECT_EQ(options->engine.memory.pipeline_parallel_size, 4);
  EXPECT_THAT(options->timing_neutral_flags, ElementsAre("--trust-remote-code"));
  // vLLM V1's EAGLE is accepted, not simulated.
  StatusOr<SimulatorOptions> eagle =
      Parse({"--speculative-config",
             R"({"method": "eagle", "model": "x", "num_speculative_tokens": 3})"});
  ASSERT_TRUE(eagle.ok()) << eagle.status();
  EXPECT_FALSE(eagle->engine.speculative);
  EXPECT_THAT(
      eagle->not_simulated_flags,
      ElementsAre(
          R"(--speculative-config {"method": "eagle", "model": "x", "num_speculative_tokens": 3})"));
}

TEST(SimulatorOptionsTest, SpeculativeDecodingWithADraftModelOrNgrams) {
  StatusOr<SimulatorOptions> draft =
      Parse({"--speculative-model", "llama-3.1-8b", "--num-speculative-tokens", "5",
             "--speculative-acceptance-rate", "0.6"});
  ASSERT_TRUE(draft.ok()) << draft.status();
  ASSERT_TRUE(draft->engine.speculative);
  EXPECT_TRUE(draft->engine.speculative->draft_model);
  EXPECT_EQ(draft->engine.speculative->num_speculative_tokens, 5);
  EXPECT_DOUBLE_EQ(draft->engine.speculative->acceptance_rate, 0.6);
  EXPECT_EQ(draft->engine.scheduler.num_speculative_tokens, 5);
  EXPECT_THAT(draft->not_simulated_flags, IsEmpty());

  StatusOr<SimulatorOptions> ngram =
      Parse({"--speculative-model", "[ngram]", "--num-speculative-tokens", "3",
             "--ngram-prompt-lookup-max", "4"});
  ASSERT_TRUE(ngram.ok()) << ngram.status();
  ASSERT_TRUE(ngram->engine.speculative);
  EXPECT_FALSE(ngram->engine.speculative->draft_model);
  EXPECT_THAT(ngram->not_simulated_flags, ElementsAre("--ngram-prompt-lookup-max 4"));

  StatusOr<SimulatorOptions> v1 =
      Parse({"--speculative-config",
             R"({"method": "draft_model", "model": "llama-3.1-8b", "num_speculative_tokens": 4})"});
  ASSERT_TRUE(v1.ok()) << v1.status();
  ASSERT_TRUE(v1->engine.speculative);
  EXPECT_TRUE(v1->engine.speculative->draft_model);
  EXPECT_EQ(v1->engine.speculative->num_speculative_tokens, 4);
  EXPECT_FALSE(
      Parse({"--speculative-config", R"({"method": "ngram", "num_speculative_tokens": 2})"})
          ->engine.speculative->draft_model);
}

TEST(SimulatorOptionsTest, BadSpeculativeFlagsNameTheFlag) {
  EXPECT_THAT(Parse({"--num-speculative-tokens", "3"}).status().message(),
              HasSubstr("--num-speculative-tokens: needs --speculative-model"));
  EXPECT_THAT(Parse({"--speculative-model", "llama-3.1-8b"}).status().message(),
              HasSubstr("--num-speculative-tokens: is required with --speculative-model"));
  EXPECT_THAT(Parse({"--speculative-model", "no-such-model", "--num-speculative-tokens", "3"})
                  .status()
                  .message(),
              HasSubstr("--speculative-model"));
  EXPECT_THAT(Parse({"--speculative-config", "{"}).status().message(),
              HasSubstr("--speculative-config"));
  EXPECT_THAT(Parse({"--speculative-config", R"({"method": "ngram"})"}).status().message(),
              HasSubstr("--speculative-config: num_speculative_tokens: is required"));
  EXPECT_THAT(Parse({"--speculative-model", "[ngram]", "--num-speculative-tokens", "3",
                     "--num-scheduler-steps", "8"})
                  .status()
                  .message(),
              HasSubstr("--num-scheduler-steps: vLLM does not run multi-step scheduling with "
                        "speculative decoding"));
  EXPECT_THAT(Parse({"--speculative-acceptance-rate", "1.5"}).status().message(),
              HasSubstr("--speculative-acceptance-rate"));
}

TEST(SimulatorOptionsTest, QuantizationFp8IsModelledAsEightBitWeights) {
  StatusOr<SimulatorOptions> options = Parse({"--quantization", "fp8"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->engine.memory.weight_type, hardware::DataType::kFloat8E4M3);
  EXPECT_THAT(options->not_simulated_flags, IsEmpty());
  StatusOr<SimulatorOptions> awq = Parse({"--quantization", "awq"});
  ASSERT_TRUE(awq.ok()) << awq.status();
  EXPECT_EQ(awq->engine.memory.weight_type, hardware::DataType::kBFloat16);
  EXPECT_THAT(awq->not_simulated_flags, ElementsAre("--quantization awq"));
}

TEST(SimulatorOptionsTest, VllmSpellingsOfTheSeedCommandLineParse) {
  // vllm serve -tp 8 ... --num-scheduler-steps 12 --gpu_memory_utilization=0.96
  StatusOr<SimulatorOptions> options =
      Parse({"-tp", "8", "--num-scheduler-steps", "12", "--gpu_memory_utilization=0.96",
             "--max-num-seqs", "2048"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->engine.memory.tensor_parallel_size, 8);
  EXPECT_EQ(options->engine.scheduler.num_scheduler_steps, 12);
  EXPECT_DOUBLE_EQ(options->engine.memory.gpu_memory_utilization, 0.96);
  EXPECT_EQ(options->engine.scheduler.max_num_seqs, 2048);
  StatusOr<SimulatorOptions> pipeline = Parse({"-pp", "2"});
  ASSERT_TRUE(pipeline.ok()) << pipeline.status();
  EXPECT_EQ(pipeline->engine.memory.pipeline_parallel_size, 2);
  EXPECT_THAT(pipeline->not_simulated_flags, IsEmpty());
}

TEST(SimulatorOptionsTest, PipelineParallelSizeIsModelled) {
  StatusOr<SimulatorOptions> sglang = Parse({"--pp-size", "2"});
  ASSERT_TRUE(sglang.ok()) << sglang.status();
  EXPECT_EQ(sglang->engine.memory.pipeline_parallel_size, 2);
  EXPECT_THAT(sglang->not_simulated_flags, IsEmpty());
  EXPECT_EQ(Parse({})->engine.memory.pipeline_parallel_size, 1);
  // Bad values name the flag.
  EXPECT_THAT(Parse({"--pipeline-parallel-size", "0"}).status().message(),
              HasSubstr("--pipeline-parallel-size"));
  EXPECT_THAT(Parse({"--pipeline-parallel-size", "33"}).status().message(),
              HasSubstr("--pipeline-parallel-size: 33 stages exceed"));
  EXPECT_THAT(Parse({"-pp", "2", "--speculative-model", "[ngram]", "--num-speculative-tokens", "3"})
                  .status()
                  .message(),
              HasSubstr("--pipeline-parallel-size: pipeline parallelism with speculative decoding "
                        "is not simulated"));
}

TEST(SimulatorOptionsTest, SglangArgvParses) {
  std::string help;
  StatusOr<SimulatorOptions> options = ParseSimulatorOptions(
      {"--model-path", "llama-3.1-8b", "--hardware", "mi300x:cpx", "--tp-size", "1",
       "--context-length", "4096", "--mem-fraction-static", "0.9", "--disable-radix-cache",
       "--enable-metrics", "--chunked-prefill-size", "4096", "--random-seed", "7"},
      help, [](const char*) -> std::optional<std::string> { return std::nullopt; });
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_FALSE(options->engine.enable_prefix_caching);
  EXPECT_EQ(options->engine.scheduler.max_num_batched_tokens, 4096);
  EXPECT_EQ(options->engine.seed, 7u);
  EXPECT_THAT(options->timing_neutral_flags, ElementsAre("--enable-metrics"));
}

TEST(SimulatorOptionsTest, NumSchedulerStepsSelectsVllmV0sDefaults) {
  StatusOr<SimulatorOptions> rocm = Parse({"--num-scheduler-steps", "12"});
  ASSERT_TRUE(rocm.ok()) << rocm.status();
  const EngineConfig& engine = rocm->engine;
  EXPECT_FALSE(engine.scheduler.enable_chunked_prefill);  // never by default on ROCm
  EXPECT_EQ(engine.scheduler.max_num_batched_tokens, engine.scheduler.max_model_len);
  EXPECT_FALSE(engine.enable_prefix_caching);
  EXPECT_TRUE(engine.multi_step_stream_outputs);
  // What the command line says wins.
  StatusOr<SimulatorOptions> explicit_flags =
      Parse({"--num-scheduler-steps", "8", "--enable-chunked-prefill", "--max-num-batched-tokens",
             "2048", "--enable-prefix-caching", "--multi-step-stream-outputs", "false"});
  ASSERT_TRUE(explicit_flags.ok()) << explicit_flags.status();
  EXPECT_TRUE(explicit_flags->engine.scheduler.enable_chunked_prefill);
  EXPECT_EQ(explicit_flags->engine.scheduler.max_num_batched_tokens, 2048);
  EXPECT_TRUE(explicit_flags->engine.enable_prefix_caching);
  EXPECT_FALSE(explicit_flags->engine.multi_step_stream_outputs);
  EXPECT_FALSE(Parse({"--no-multi-step-stream-outputs"})->engine.multi_step_stream_outputs);
  EXPECT_TRUE(Parse({"--multi-step-stream-outputs"})->engine.multi_step_stream_outputs);
  // On an NVIDIA GPU, V0 chunks prefills of contexts over 32K.
  std::string help;
  StatusOr<SimulatorOptions> hopper = ParseSimulatorOptions(
      {"--model", "llama-3.1-8b", "--hardware", "h100", "--num-scheduler-steps", "4",
       "--max-model-len", "65536"},
      help, [](const char*) -> std::optional<std::string> { return std::nullopt; });
  ASSERT_TRUE(hopper.ok()) << hopper.status();
  EXPECT_TRUE(hopper->engine.scheduler.enable_chunked_prefill);
  // Without multi-step, the simulator's defaults are vLLM V1's.
  StatusOr<SimulatorOptions> v1 = Parse({});
  EXPECT_TRUE(v1->engine.scheduler.enable_chunked_prefill);
  EXPECT_EQ(v1->engine.scheduler.max_num_batched_tokens, 8192);
  EXPECT_TRUE(v1->engine.enable_prefix_caching);
}

TEST(SimulatorOptionsTest, SglangHasNoMultiStepScheduling) {
  EXPECT_THAT(Parse({"--flavor", "sglang", "--num-scheduler-steps", "4"}).status().message(),
              HasSubstr("--num-scheduler-steps: is vLLM V0's multi-step scheduling, which SGLang "
                        "does not have"));
  EXPECT_TRUE(Parse({"--flavor", "sglang", "--num-scheduler-steps", "1"}).ok());
}

TEST(SimulatorOptionsTest, MultiStepStreamOutputsMustBeABoolean) {
  EXPECT_THAT(Parse({"--multi-step-stream-outputs", "maybe"}).status().message(),
              HasSubstr("--multi-step-stream-outputs: must be true or false, got \"maybe\""));
}

}  // namespace
}  // namespace tessera::simulator
