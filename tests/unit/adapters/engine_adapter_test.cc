#include "engine/adapters/engine_adapter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::adapters {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsSubsetOf;
using ::testing::Not;
using ::testing::Pair;

wire::EngineSettings Settings() {
  wire::EngineSettings settings;
  settings.model = "/models/llama-3.3-70b";
  settings.served_model_name = "llama-70b";
  settings.tensor_parallel_size = 4;
  settings.max_model_len = 8192;
  settings.kv_cache_dtype = "fp8";
  settings.gpu_memory_utilization = 0.9;
  settings.enable_prefix_caching = false;
  settings.extra_args = {"--seed", "7"};
  settings.env = {{"VLLM_USE_TRITON_FLASH_ATTN", "0"}, {"HIP_VISIBLE_DEVICES", "9"}};
  return settings;
}

LaunchContext Context() {
  return {.host = "0.0.0.0",
          .port = 20001,
          .bootstrap_port = 20002,
          .devices = {4, 5, 6, 7},
          .hardware = "mi300x:cpx/nps4"};
}

TEST(VllmAdapterTest, BuildsServeCommandWithPdConnector) {
  EngineInstallation vllm{
      .name = "vllm", .kind = wire::EngineKind::kVllm, .command = {"/opt/venv/bin/vllm"}};
  StatusOr<LaunchPlan> plan = AdapterFor(wire::EngineKind::kVllm)
                                  .Plan(vllm, Settings(), wire::WorkerRole::kDecode, Context());
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(
      plan->argv,
      ElementsAre("/opt/venv/bin/vllm", "serve", "/models/llama-3.3-70b", "--host", "0.0.0.0",
                  "--port", "20001", "--served-model-name", "llama-70b", "--tensor-parallel-size",
                  "4", "--max-model-len", "8192", "--gpu-memory-utilization", "0.9",
                  "--kv-cache-dtype", "fp8", "--no-enable-prefix-caching", "--kv-transfer-config",
                  R"({"kv_connector":"NixlConnector","kv_role":"kv_both"})", "--seed", "7"));
  EXPECT_EQ(plan->dialect, wire::MetricDialect::kVllm);
  // The worker's own environment cannot move it off its partitions.
  EXPECT_EQ(plan->env.at("HIP_VISIBLE_DEVICES"), "4,5,6,7");
  EXPECT_EQ(plan->env.at("CUDA_VISIBLE_DEVICES"), "4,5,6,7");
  EXPECT_EQ(plan->env.at("VLLM_USE_TRITON_FLASH_ATTN"), "0");
}

TEST(SglangAdapterTest, PrefillGetsDisaggregationFlagsAndBootstrapPort) {
  EngineInstallation sglang{.name = "sglang",
                            .kind = wire::EngineKind::kSglang,
                            .command = {"python3", "-m", "sglang.launch_server"}};
  wire::EngineSettings settings = Settings();
  settings.extra_args = {"--random-seed", "7"};  // SGLang's name for vLLM's --seed
  StatusOr<LaunchPlan> plan = AdapterFor(wire::EngineKind::kSglang)
                                  .Plan(sglang, settings, wire::WorkerRole::kPrefill, Context());
  ASSERT_TRUE(plan.ok()) << plan.status();
  const std::vector<std::string>& argv = plan->argv;
  EXPECT_THAT(std::vector<std::string>(argv.begin(), argv.begin() + 5),
              ElementsAre("python3", "-m", "sglang.launch_server", "--model-path",
                          "/models/llama-3.3-70b"));
  EXPECT_THAT((std::vector<std::string>{
                  "--tp-size", "4", "--context-length", "8192", "--mem-fraction-static", "0.9",
                  "--kv-cache-dtype", "fp8_e4m3", "--disable-radix-cache", "--enable-metrics",
                  "--disaggregation-mode", "prefill", "--disaggregation-bootstrap-port", "20002"}),
              IsSubsetOf(argv));
  EXPECT_EQ(plan->dialect, wire::MetricDialect::kSglang);
}

TEST(SimAdapterTest, ShowsTheInstallationFlavorAndHardware) {
  EngineInstallation sim{.name = "sim-sglang",
                         .kind = wire::EngineKind::kSim,
                         .command = {"/usr/bin/tessera-engine-sim", "--time-scale", "0.1"},
                         .env = {{"TZ", "UTC"}},
                         .sim_flavor = wire::MetricDialect::kSglang};
  wire::EngineSettings settings = Settings();
  settings.enable_prefix_caching = std::nullopt;
  StatusOr<LaunchPlan> plan = AdapterFor(wire::EngineKind::kSim)
                                  .Plan(sim, settings, wire::WorkerRole::kAggregated, Context());
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(plan->argv, Contains("--flavor"));
  EXPECT_THAT((std::vector<std::string>{"sglang", "--hardware", "mi300x:cpx/nps4"}),
              IsSubsetOf(plan->argv));
  EXPECT_THAT(plan->argv, ::testing::Not(Contains("--disaggregation-mode")));
  EXPECT_EQ(plan->dialect, wire::MetricDialect::kSglang);
  EXPECT_THAT(plan->env, Contains(Pair("TZ", "UTC")));
}

TEST(EngineAdapterTest, UnknownKvCacheDtypeNamesTheField) {
  wire::EngineSettings settings = Settings();
  settings.kv_cache_dtype = "int3";
  EngineInstallation sglang{
      .name = "sglang", .kind = wire::EngineKind::kSglang, .command = {"sglang"}};
  StatusOr<LaunchPlan> plan = AdapterFor(wire::EngineKind::kSglang)
                                  .Plan(sglang, settings, wire::WorkerRole::kAggregated, Context());
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(plan.status().message(), HasSubstr("engine.kvCacheDtype"));
  EXPECT_THAT(plan.status().message(), HasSubstr("fp8_e4m3"));
}

TEST(EngineKindTest, ParsesNamesAndListsChoices) {
  EXPECT_EQ(*wire::ParseEngineKind("sglang"), wire::EngineKind::kSglang);
  EXPECT_EQ(*wire::ParseWorkerRole("decode"), wire::WorkerRole::kDecode);
  EXPECT_EQ(*wire::ParseEngineKind("tessera-router"), wire::EngineKind::kRouter);
  EXPECT_THAT(wire::ParseEngineKind("trt").status().message(),
              HasSubstr("vllm, sglang, sim or tessera-router"));
}

TEST(RouterAdapterTest, BuildsTheRoutersArgvWithTheAgentsTokenAndNoDevices) {
  EngineInstallation router{.name = "tessera-router",
                            .kind = wire::EngineKind::kRouter,
                            .command = {"/opt/tessera/bin/tessera-router"}};
  wire::EngineSettings settings;
  settings.model = "meta-llama/Llama-3.3-70B-Instruct";
  settings.served_model_name = "llama-70b";
  settings.tensor_parallel_size = 0;
  settings.extra_args = {"--policy", "least_load", "--pd-protocol", "vllm"};
  const LaunchContext context{.host = "0.0.0.0",
                              .port = 20005,
                              .bootstrap_port = {},
                              .devices = {},
                              .hardware = {},
                              .admin_token_file = "/etc/tessera/agent-token"};
  StatusOr<LaunchPlan> plan = AdapterFor(wire::EngineKind::kRouter)
                                  .Plan(router, settings, wire::WorkerRole::kRouter, context);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(plan->argv, ElementsAre("/opt/tessera/bin/tessera-router", "--host", "0.0.0.0",
                                      "--port", "20005", "--served-model-name", "llama-70b",
                                      "--admin-token-file", "/etc/tessera/agent-token", "--policy",
                                      "least_load", "--pd-protocol", "vllm"));
  EXPECT_EQ(plan->health_path, "/health");
  EXPECT_EQ(plan->dialect, wire::MetricDialect::kRouter);
  EXPECT_EQ(plan->env.at("HIP_VISIBLE_DEVICES"), "");

  // An agent without a token runs its routers' admin API open too.
  LaunchContext open = context;
  open.admin_token_file.clear();
  plan =
      AdapterFor(wire::EngineKind::kRouter).Plan(router, settings, wire::WorkerRole::kRouter, open);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(plan->argv, Not(Contains("--admin-token-file")));
}

TEST(RouterAdapterTest, RunsOnlyRouters) {
  EngineInstallation router{
      .name = "tessera-router", .kind = wire::EngineKind::kRouter, .command = {"tessera-router"}};
  StatusOr<LaunchPlan> plan = AdapterFor(wire::EngineKind::kRouter)
                                  .Plan(router, Settings(), wire::WorkerRole::kDecode, Context());
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(plan.status().message(), HasSubstr("role: tessera-router runs only router workers"));
}

}  // namespace
}  // namespace tessera::adapters
