#include "agent/config/agent_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::agent {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

TEST(AgentConfigTest, EmptyConfigAllowsOnlyTheSimulatorBesideTheAgent) {
  StatusOr<AgentConfig> config =
      ParseAgentConfig("", "/opt/tessera/bin/tessera-engine-sim", "tessera-router");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->engines.size(), 2U);
  EXPECT_EQ(config->engines.at("sim").command,
            std::vector<std::string>{"/opt/tessera/bin/tessera-engine-sim"});
  EXPECT_EQ(config->engines.at("tessera-router").command,
            std::vector<std::string>{"tessera-router"});
  EXPECT_EQ(config->policy.startup_timeout, std::chrono::minutes(20));
}

TEST(AgentConfigTest, ReadsEnginesSupervisionPortsAndLogs) {
  StatusOr<AgentConfig> config = ParseAgentConfig(R"(
engines:
  vllm: {command: [/opt/vllm/bin/vllm], env: {VLLM_USE_V1: "1"}}
  sglang-pd: {kind: sglang, command: [python3, -m, sglang.launch_server]}
  sim-sglang: {kind: sim, flavor: sglang, command: [tessera-engine-sim]}
supervision:
  startupTimeout: 45m
  backoffInitial: 2s
  backoffMax: 2m
  livenessFailureThreshold: 5
ports: 31000-31999
logs: {maxBytes: 16MiB, maxFiles: 5}
scrapePeriod: 5s
)",
                                                  "sim", "/opt/tessera/bin/tessera-router");
  ASSERT_TRUE(config.ok()) << config.status();
  // The three named, and the router every agent runs.
  EXPECT_EQ(config->engines.size(), 4U);
  EXPECT_EQ(config->engines.at("tessera-router").kind, wire::EngineKind::kRouter);
  EXPECT_EQ(config->engines.at("tessera-router").command,
            std::vector<std::string>{"/opt/tessera/bin/tessera-router"});
  EXPECT_EQ(config->engines.at("vllm").kind, wire::EngineKind::kVllm);
  EXPECT_EQ(config->engines.at("vllm").env.at("VLLM_USE_V1"), "1");
  EXPECT_EQ(config->engines.at("sglang-pd").kind, wire::EngineKind::kSglang);
  EXPECT_EQ(config->engines.at("sim-sglang").sim_flavor, wire::MetricDialect::kSglang);
  EXPECT_EQ(config->policy.startup_timeout, std::chrono::minutes(45));
  EXPECT_EQ(config->policy.backoff_initial, milliseconds(2000));
  EXPECT_EQ(config->policy.liveness_failure_threshold, 5);
  EXPECT_EQ(config->port_first, 31000);
  EXPECT_EQ(config->port_last, 31999);
  EXPECT_EQ(config->log_max_bytes, int64_t{16} << 20);
  EXPECT_EQ(config->log_max_files, 5);
  EXPECT_EQ(config->scrape_period, milliseconds(5000));
}

TEST(AgentConfigTest, ReadsAnEngineVersion) {
  StatusOr<AgentConfig> config = ParseAgentConfig(R"(
engines:
  vllm-0.6: {kind: vllm, command: [vllm], version: 0.6.6.post1}
  vllm: {command: [vllm], version: "0.9.0+rocm6.4"}
  sglang: {command: [python3, -m, sglang.launch_server]}
)",
                                                  "sim", "tessera-router");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->engines.at("vllm-0.6").version,
            (adapters::EngineVersion{.major = 0, .minor = 6, .patch = 6}));
  EXPECT_EQ(config->engines.at("vllm").version,
            (adapters::EngineVersion{.major = 0, .minor = 9, .patch = 0}));
  EXPECT_FALSE(config->engines.at("sglang").version.has_value());
  StatusOr<AgentConfig> bad = ParseAgentConfig(
      "engines:\n  vllm: {command: [vllm], version: latest}\n", "sim", "tessera-router");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(),
              HasSubstr("engines.vllm.version: must be an engine release such as 0.6.6 or 0.9.0, "
                        "got \"latest\""));
}

TEST(AgentConfigTest, AnEntryOfKindTesseraRouterReplacesTheBundledRouter) {
  StatusOr<AgentConfig> config = ParseAgentConfig(
      "engines: {router-v2: {kind: tessera-router, command: [/opt/router-v2/tessera-router]}}",
      "sim", "/opt/tessera/bin/tessera-router");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->engines.contains("tessera-router"));
  EXPECT_EQ(config->engines.at("router-v2").kind, wire::EngineKind::kRouter);
}

TEST(AgentConfigTest, ErrorsNameTheKey) {
  EXPECT_THAT(ParseAgentConfig("engines: {tessera-router: {kind: sim, command: [sim]}}", "sim",
                               "tessera-router")
                  .status()
                  .message(),
              HasSubstr("engines.tessera-router: the name is the router's"));
  EXPECT_THAT(ParseAgentConfig("engines: {s: {kind: sim, flavor: tessera-router, command: [s]}}",
                               "sim", "tessera-router")
                  .status()
                  .message(),
              HasSubstr("engines.s.flavor: the simulator shows vllm's or sglang's face"));
  EXPECT_THAT(ParseAgentConfig("engines: {trt: {command: [trtllm-serve]}}", "sim", "tessera-router")
                  .status()
                  .message(),
              HasSubstr("engines.trt.kind: unknown engine kind \"trt\""));
  EXPECT_THAT(ParseAgentConfig("engines: {vllm: {}}", "sim", "tessera-router").status().message(),
              HasSubstr("engines.vllm.command: is required"));
  EXPECT_THAT(ParseAgentConfig("supervision: {startupTimeout: soon}", "sim", "tessera-router")
                  .status()
                  .message(),
              HasSubstr("supervision.startupTimeout:"));
  EXPECT_THAT(
      ParseAgentConfig("supervision: {backofMax: 1m}", "sim", "tessera-router").status().message(),
      HasSubstr("supervision.backofMax: unknown field"));
  EXPECT_THAT(ParseAgentConfig("ports: 9000-8000", "sim", "tessera-router").status().message(),
              HasSubstr("ports: must be a range"));
  EXPECT_THAT(
      ParseAgentConfig("logs: {maxBytes: lots}", "sim", "tessera-router").status().message(),
      HasSubstr("logs.maxBytes"));
}

}  // namespace
}  // namespace tessera::agent
