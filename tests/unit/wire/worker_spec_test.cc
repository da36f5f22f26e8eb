#include "wire/worker_spec.h"

#include <ostream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::wire {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kSpec = R"({
  "deployment": "llama-70b", "namespace": "serving", "role": "prefill",
  "partitions": [0, 1, 2, 3],
  "engine": {"kind": "sglang", "model": "/models/llama-3.3-70b", "servedModelName": "llama",
             "tensorParallelSize": 4, "maxModelLen": 8192, "kvCacheDtype": "fp8",
             "gpuMemoryUtilization": 0.88, "enablePrefixCaching": false,
             "extraArgs": ["--disaggregation-ib-device", "rdma0"], "env": {"NCCL_DEBUG": "WARN"}},
  "bootstrapPort": 8998, "startupTimeoutSeconds": 1800, "managedBy": "tessera-controller"})";

TEST(WorkerSpecTest, ParsesEveryFieldAndRoundTrips) {
  StatusOr<WorkerSpec> spec = ParseWorkerSpec(kSpec);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->deployment, "llama-70b");
  EXPECT_EQ(spec->namespace_name, "serving");
  EXPECT_EQ(spec->role, WorkerRole::kPrefill);
  EXPECT_EQ(spec->partitions, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(spec->engine, "sglang");
  EXPECT_EQ(spec->settings.tensor_parallel_size, 4);
  EXPECT_EQ(spec->settings.gpu_memory_utilization, 0.88);
  EXPECT_EQ(spec->settings.enable_prefix_caching, false);
  EXPECT_EQ(spec->settings.env.at("NCCL_DEBUG"), "WARN");
  EXPECT_EQ(spec->bootstrap_port, 8998);
  EXPECT_EQ(spec->startup_timeout_seconds, 1800);
  EXPECT_EQ(spec->managed_by, "tessera-controller");
  StatusOr<WorkerSpec> again = WorkerSpecFromJson(WorkerSpecToJson(*spec));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *spec);
}

TEST(WorkerSpecTest, TensorParallelSizeDefaultsToPartitionCount) {
  StatusOr<WorkerSpec> spec = ParseWorkerSpec(
      R"({"deployment": "d", "partitions": [5, 6], "engine": {"kind": "sim", "model": "m"}})");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->settings.tensor_parallel_size, 2);
  EXPECT_EQ(spec->role, WorkerRole::kAggregated);
}

TEST(WorkerSpecTest, RouterRunsWithoutPartitionsAndRoundTrips) {
  for (std::string_view body :
       {R"({"deployment": "d", "role": "router", "engine": {"kind": "tessera-router", "model": "m",
            "servedModelName": "llama", "extraArgs": ["--policy", "round_robin"]}})",
        R"({"deployment": "d", "role": "router", "partitions": [],
            "engine": {"kind": "tessera-router", "model": "m"}})"}) {
    StatusOr<WorkerSpec> spec = ParseWorkerSpec(body);
    ASSERT_TRUE(spec.ok()) << spec.status();
    EXPECT_EQ(spec->role, WorkerRole::kRouter);
    EXPECT_TRUE(spec->partitions.empty());
    EXPECT_EQ(spec->settings.tensor_parallel_size, 0);
    const nlohmann::json json = WorkerSpecToJson(*spec);
    EXPECT_EQ(json.at("role"), "router");
    EXPECT_FALSE(json.at("engine").contains("tensorParallelSize"));
    StatusOr<WorkerSpec> again = WorkerSpecFromJson(json);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(*again, *spec);
  }
}

TEST(WorkerSpecTest, RoleNamesRoundTrip) {
  for (WorkerRole role :
       {WorkerRole::kAggregated, WorkerRole::kPrefill, WorkerRole::kDecode, WorkerRole::kRouter}) {
    StatusOr<WorkerRole> parsed = ParseWorkerRole(WorkerRoleName(role));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, role);
    EXPECT_EQ(UsesPartitions(role), role != WorkerRole::kRouter);
  }
}

struct BadSpec {
  std::string name;  // the test's name
  std::string body;
  std::string message;
};

// What gtest prints for the parameter (beside the test's name), instead of
// the struct's bytes.
void PrintTo(const BadSpec& spec, std::ostream* out) { *out << spec.name; }

std::string WithEnv(std::string_view env) {
  return R"({"deployment": "d", "partitions": [0], "engine": {"kind": "sim", "model": "m", "env": )" +
         std::string(env) + "}}";
}

class BadWorkerSpecTest : public ::testing::TestWithParam<BadSpec> {};

TEST_P(BadWorkerSpecTest, NamesTheField) {
  StatusOr<WorkerSpec> spec = ParseWorkerSpec(GetParam().body);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(spec.status().message(), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Fields, BadWorkerSpecTest,
    ::testing::Values(
        BadSpec{"Empty", "", "body: not valid JSON"},
        BadSpec{"Null", "null", "body: must be a JSON object"},
        BadSpec{"NoPartitions", R"({"deployment": "d", "engine": {"kind": "sim", "model": "m"}})",
                "partitions: is required"},
        BadSpec{"NoEngine", R"({"deployment": "d", "partitions": [0]})", "engine: is required"},
        BadSpec{"NoModel", R"({"deployment": "d", "partitions": [0], "engine": {"kind": "sim"}})",
                "engine.model: is required"},
        BadSpec{"EngineNotObject", R"({"deployment": "d", "partitions": [0], "engine": "sim"})",
                "engine: must be a JSON object"},
        BadSpec{
            "NegativePartition",
            R"({"deployment": "d", "partitions": [-1], "engine": {"kind": "sim", "model": "m"}})",
            "partitions[0]: must be a partition index"},
        BadSpec{"HugeMaxModelLen",
                R"({"deployment": "d", "partitions": [0], "engine": {"kind": "sim", "model": "m",
                 "maxModelLen": 99999999999999999999}})",
                "engine.maxModelLen: must be"},
        BadSpec{"EnvNameStartsWithDigit", WithEnv(R"({"1BAD": "x"})"),
                "engine.env.1BAD: not an engine environment variable name"},
        // Issue 13, item 7: loader and interpreter variables let a spec run
        // code of its choosing inside the engine.
        BadSpec{"EnvLdPreload", WithEnv(R"({"LD_PRELOAD": "/tmp/x.so"})"),
                "engine.env.LD_PRELOAD: names code or a place code is loaded from"},
        BadSpec{"EnvLdLibraryPath", WithEnv(R"({"LD_LIBRARY_PATH": "/tmp"})"),
                "engine.env.LD_LIBRARY_PATH: names code"},
        BadSpec{"EnvPythonPath", WithEnv(R"({"PYTHONPATH": "/tmp"})"),
                "engine.env.PYTHONPATH: names code"},
        BadSpec{"EnvPythonStartup", WithEnv(R"({"PYTHONSTARTUP": "/tmp/x.py"})"),
                "engine.env.PYTHONSTARTUP: not an engine setting"},
        BadSpec{"EnvHsaToolsLib", WithEnv(R"({"HSA_TOOLS_LIB": "/tmp/x.so"})"),
                "engine.env.HSA_TOOLS_LIB: names code"},
        BadSpec{"EnvNcclNetPlugin", WithEnv(R"({"NCCL_NET_PLUGIN": "evil"})"),
                "engine.env.NCCL_NET_PLUGIN: names code"},
        BadSpec{"EnvLoggingConfig", WithEnv(R"({"VLLM_LOGGING_CONFIG_PATH": "/tmp/l.json"})"),
                "engine.env.VLLM_LOGGING_CONFIG_PATH: names code"},
        BadSpec{"EnvBashEnv", WithEnv(R"({"BASH_ENV": "/tmp/x.sh"})"),
                "engine.env.BASH_ENV: not an engine setting"},
        BadSpec{"EnvLowerCase", WithEnv(R"({"ld_preload": "/tmp/x.so"})"),
                "engine.env.ld_preload: not an engine environment variable name"},
        BadSpec{"EnvVisibleDevices", WithEnv(R"({"HIP_VISIBLE_DEVICES": "0"})"),
                "engine.env.HIP_VISIBLE_DEVICES: is set by the agent"},
        BadSpec{"EnvGpuDeviceOrdinal", WithEnv(R"({"GPU_DEVICE_ORDINAL": "0"})"),
                "engine.env.GPU_DEVICE_ORDINAL: is set by the agent"},
        BadSpec{"EnvValueTooLong", WithEnv(R"({"NCCL_DEBUG": ")" + std::string(5000, 'x') + "\"}"),
                "engine.env.NCCL_DEBUG: at most 4096 bytes"},
        // Issue 13, item 2: a body nested 100,000 deep overflowed the stack
        // when the error message dumped it.
        BadSpec{"NestedTooDeep", std::string(100'000, '[') + std::string(100'000, ']'),
                "body: not valid JSON: invalid JSON: nested deeper than 1000 levels"},
        BadSpec{"DeepPartitions",
                R"({"deployment": "d", "engine": {"kind": "sim", "model": "m"}, "partitions": )" +
                    std::string(900, '[') + std::string(900, ']') + "}",
                "partitions[0]: must be a partition index (0-4096), got array of 1 elements"},
        BadSpec{"BootstrapPortOnDecode",
                R"({"deployment": "d", "partitions": [0], "bootstrapPort": 9000,
                 "engine": {"kind": "sim", "model": "m"}})",
                "bootstrapPort: only prefill workers"},
        BadSpec{"RouterWithPartitions",
                R"({"deployment": "d", "role": "router", "partitions": [0],
                 "engine": {"kind": "tessera-router", "model": "m"}})",
                "partitions: must be empty for a router worker, which runs on no GPU partition"},
        BadSpec{"RouterWithTensorParallelSize",
                R"({"deployment": "d", "role": "router",
                 "engine": {"kind": "tessera-router", "model": "m", "tensorParallelSize": 1}})",
                "engine.tensorParallelSize: must equal the number of partitions (0), got 1"},
        BadSpec{"DecodeWithEmptyPartitions",
                R"({"deployment": "d", "role": "decode", "partitions": [],
                 "engine": {"kind": "sim", "model": "m"}})",
                "partitions: must be a non-empty list of partition indices"},
        BadSpec{"UnknownRole",
                R"({"deployment": "d", "role": "gateway", "partitions": [0],
                 "engine": {"kind": "sim", "model": "m"}})",
                "role: unknown role \"gateway\"; expected aggregated, prefill, decode or router"},
        BadSpec{"PipelineDoesNotDividePartitions",
                R"({"deployment": "d", "partitions": [0, 1, 2], "engine": {"kind": "sim",
                 "model": "m", "pipelineParallelSize": 2}})",
                "engine.pipelineParallelSize: must divide the number of partitions (3), got 2"},
        BadSpec{"TensorTimesPipelineIsNotPartitions",
                R"({"deployment": "d", "partitions": [0, 1, 2, 3], "engine": {"kind": "sim",
                 "model": "m", "tensorParallelSize": 4, "pipelineParallelSize": 2}})",
                "engine.tensorParallelSize: times pipelineParallelSize (2) must equal the number "
                "of partitions (4), got 4"},
        BadSpec{"RouterWithPipeline",
                R"({"deployment": "d", "role": "router",
                 "engine": {"kind": "tessera-router", "model": "m", "pipelineParallelSize": 2}})",
                "engine.pipelineParallelSize: a router worker runs on no partition, got 2"},
        BadSpec{"SpeculativeUnknownMethod",
                R"({"deployment": "d", "partitions": [0], "engine": {"kind": "sim", "model": "m",
                 "speculative": {"method": "medusa", "numSpeculativeTokens": 3}}})",
                "engine.speculative.method: must be draft, ngram or eagle, got \"medusa\""},
        BadSpec{"SpeculativeDraftWithoutModel",
                R"({"deployment": "d", "partitions": [0], "engine": {"kind": "sim", "model": "m",
                 "speculative": {"method": "draft", "numSpeculativeTokens": 3}}})",
                "engine.speculative.draftModel: is required for method draft"},
        BadSpec{"SpeculativeNgramWithModel",
                R"({"deployment": "d", "partitions": [0], "engine": {"kind": "sim", "model": "m",
                 "speculative": {"method": "ngram", "draftModel": "x", "numSpeculativeTokens": 3}}})",
                "engine.speculative.draftModel: method ngram uses no draft model"},
        BadSpec{"SpeculativeWithoutTokens",
                R"({"deployment": "d", "partitions": [0], "engine": {"kind": "sim", "model": "m",
                 "speculative": {"method": "ngram"}}})",
                "engine.speculative.numSpeculativeTokens: is required"},
        BadSpec{"SpeculativeTooManyTokens",
                R"({"deployment": "d", "partitions": [0], "engine": {"kind": "sim", "model": "m",
                 "speculative": {"method": "ngram", "numSpeculativeTokens": 17}}})",
                "engine.speculative.numSpeculativeTokens: must be"},
        BadSpec{"SpeculativeDraftTensorParallel",
                R"({"deployment": "d", "partitions": [0, 1, 2, 3], "engine": {"kind": "sim",
                 "model": "m", "speculative": {"method": "draft", "draftModel": "x",
                 "numSpeculativeTokens": 3, "draftTensorParallelSize": 2}}})",
                "engine.speculative.draftTensorParallelSize: must be 1 or the worker's "
                "tensorParallelSize (4), got 2"},
        BadSpec{"SchedulerStepsTooMany",
                R"({"deployment": "d", "partitions": [0], "engine": {"kind": "sim", "model": "m",
                 "numSchedulerSteps": 65}})",
                "engine.numSchedulerSteps: must be"},
        BadSpec{"BatchedTokensZero",
                R"({"deployment": "d", "partitions": [0], "engine": {"kind": "sim", "model": "m",
                 "maxNumBatchedTokens": 0}})",
                "engine.maxNumBatchedTokens: must be"},
        BadSpec{"UnknownQuantization",
                R"({"deployment": "d", "partitions": [0], "engine": {"kind": "sim", "model": "m",
                 "quantization": "awq"}})",
                "engine.quantization: must be fp8, got \"awq\""},
        BadSpec{"UnknownDtype",
                R"({"deployment": "d", "partitions": [0], "engine": {"kind": "sim", "model": "m",
                 "dtype": "fp8"}})",
                "engine.dtype: must be bfloat16 or float16, got \"fp8\""},
        BadSpec{"PrefixCachingNotBool",
                R"({"deployment": "d", "partitions": [0], "engine": {"kind": "sim", "model": "m",
                 "enablePrefixCaching": "yes"}})",
                "engine.enablePrefixCaching: must be true or false"}),
    [](const ::testing::TestParamInfo<BadSpec>& param) { return param.param.name; });

TEST(WorkerSpecTest, PipelineStagesShareThePartitions) {
  StatusOr<WorkerSpec> spec = ParseWorkerSpec(
      R"({"deployment": "d", "partitions": [0, 1, 2, 3, 4, 5, 6, 7],
          "engine": {"kind": "sim", "model": "m", "tensorParallelSize": 2,
                     "pipelineParallelSize": 4}})");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->settings.tensor_parallel_size, 2);
  EXPECT_EQ(spec->settings.pipeline_parallel_size, 4);
  StatusOr<WorkerSpec> again = WorkerSpecFromJson(WorkerSpecToJson(*spec));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *spec);
}

TEST(WorkerSpecTest, ServingSettingsRoundTrip) {
  StatusOr<WorkerSpec> spec = ParseWorkerSpec(
      R"({"deployment": "d", "partitions": [0, 1],
          "engine": {"kind": "vllm", "model": "m", "quantization": "fp8", "dtype": "float16",
                     "numSchedulerSteps": 12, "maxNumBatchedTokens": 4096,
                     "speculative": {"method": "draft", "draftModel": "meta-llama/Llama-3.2-1B",
                                     "numSpeculativeTokens": 5, "draftTensorParallelSize": 1}}})");
  ASSERT_TRUE(spec.ok()) << spec.status();
  const EngineSettings& settings = spec->settings;
  EXPECT_EQ(settings.quantization, "fp8");
  EXPECT_EQ(settings.dtype, "float16");
  EXPECT_EQ(settings.num_scheduler_steps, 12);
  EXPECT_EQ(settings.max_num_batched_tokens, 4096);
  ASSERT_TRUE(settings.speculative.has_value());
  EXPECT_EQ(*settings.speculative, (SpeculativeDecoding{.method = "draft",
                                                        .draft_model = "meta-llama/Llama-3.2-1B",
                                                        .num_speculative_tokens = 5,
                                                        .draft_tensor_parallel_size = 1}));
  StatusOr<WorkerSpec> again = WorkerSpecFromJson(WorkerSpecToJson(*spec));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *spec);
}

// A controller upgrade must not roll every worker: settings at their
// defaults write nothing, so the JSON (and the template hash) is unchanged.
TEST(WorkerSpecTest, DefaultServingSettingsWriteNothing) {
  StatusOr<WorkerSpec> spec = ParseWorkerSpec(
      R"({"deployment": "d", "partitions": [0], "engine": {"kind": "sim", "model": "m"}})");
  ASSERT_TRUE(spec.ok()) << spec.status();
  const nlohmann::json engine = WorkerSpecToJson(*spec).at("engine");
  for (const char* key : {"pipelineParallelSize", "quantization", "dtype", "speculative",
                          "numSchedulerSteps", "maxNumBatchedTokens"}) {
    EXPECT_FALSE(engine.contains(key)) << key;
  }
}

TEST(WorkerSpecTest, AcceptsEngineSettingsFromTheAllowList) {
  StatusOr<WorkerSpec> spec = ParseWorkerSpec(WithEnv(
      R"({"NCCL_DEBUG": "WARN", "VLLM_USE_V1": "1", "HF_HUB_OFFLINE": "1", "SGLANG_LOG_LEVEL": "x",
          "TORCH_NCCL_ASYNC_ERROR_HANDLING": "1", "HSA_NO_SCRATCH_RECLAIM": "1",
          "PYTORCH_TUNABLEOP_ENABLED": "1", "OMP_NUM_THREADS": "8"})"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->settings.env.size(), 8u);
}

TEST(WorkerIdTest, AcceptsDnsLikeNamesOnly) {
  EXPECT_TRUE(ValidateWorkerId("llama-70b.prefill-0").ok());
  EXPECT_FALSE(ValidateWorkerId("").ok());
  EXPECT_FALSE(ValidateWorkerId("..").ok());
  EXPECT_FALSE(ValidateWorkerId("a/b").ok());
  EXPECT_FALSE(ValidateWorkerId("Upper").ok());
  EXPECT_FALSE(ValidateWorkerId(std::string(129, 'a')).ok());
}

}  // namespace
}  // namespace tessera::wire
