#include "agent/supervisor/worker_spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::agent {
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
  EXPECT_EQ(spec->role, adapters::WorkerRole::kPrefill);
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
  EXPECT_EQ(spec->role, adapters::WorkerRole::kAggregated);
}

struct BadSpec {
  std::string body;
  std::string message;
};

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
        BadSpec{"", "body: not valid JSON"}, BadSpec{"null", "body: must be a JSON object"},
        BadSpec{R"({"deployment": "d", "engine": {"kind": "sim", "model": "m"}})",
                "partitions: is required"},
        BadSpec{R"({"deployment": "d", "partitions": [0]})", "engine: is required"},
        BadSpec{R"({"deployment": "d", "partitions": [0], "engine": {"kind": "sim"}})",
                "engine.model: is required"},
        BadSpec{R"({"deployment": "d", "partitions": [0], "engine": "sim"})",
                "engine: must be a JSON object"},
        BadSpec{
            R"({"deployment": "d", "partitions": [-1], "engine": {"kind": "sim", "model": "m"}})",
            "partitions[0]: must be a partition index"},
        BadSpec{R"({"deployment": "d", "partitions": [0], "engine": {"kind": "sim", "model": "m",
                 "maxModelLen": 99999999999999999999}})",
                "engine.maxModelLen: must be"},
        BadSpec{R"({"deployment": "d", "partitions": [0], "engine": {"kind": "sim", "model": "m",
                 "env": {"1BAD": "x"}}})",
                "engine.env.1BAD: not a valid environment variable name"},
        BadSpec{R"({"deployment": "d", "partitions": [0], "bootstrapPort": 9000,
                 "engine": {"kind": "sim", "model": "m"}})",
                "bootstrapPort: only prefill workers"},
        BadSpec{R"({"deployment": "d", "partitions": [0], "engine": {"kind": "sim", "model": "m",
                 "enablePrefixCaching": "yes"}})",
                "engine.enablePrefixCaching: must be true or false"}));

TEST(WorkerIdTest, AcceptsDnsLikeNamesOnly) {
  EXPECT_TRUE(ValidateWorkerId("llama-70b.prefill-0").ok());
  EXPECT_FALSE(ValidateWorkerId("").ok());
  EXPECT_FALSE(ValidateWorkerId("..").ok());
  EXPECT_FALSE(ValidateWorkerId("a/b").ok());
  EXPECT_FALSE(ValidateWorkerId("Upper").ok());
  EXPECT_FALSE(ValidateWorkerId(std::string(129, 'a')).ok());
}

}  // namespace
}  // namespace tessera::agent
