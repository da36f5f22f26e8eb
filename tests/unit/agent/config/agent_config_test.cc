#include "agent/config/agent_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::agent {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

TEST(AgentConfigTest, EmptyConfigAllowsOnlyTheSimulatorBesideTheAgent) {
  StatusOr<AgentConfig> config = ParseAgentConfig("", "/opt/tessera/bin/tessera-engine-sim");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->engines.size(), 1U);
  EXPECT_EQ(config->engines.at("sim").command,
            std::vector<std::string>{"/opt/tessera/bin/tessera-engine-sim"});
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
                                                  "sim");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->engines.size(), 3U);
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

TEST(AgentConfigTest, ErrorsNameTheKey) {
  EXPECT_THAT(
      ParseAgentConfig("engines: {trt: {command: [trtllm-serve]}}", "sim").status().message(),
      HasSubstr("engines.trt.kind: unknown engine kind \"trt\""));
  EXPECT_THAT(ParseAgentConfig("engines: {vllm: {}}", "sim").status().message(),
              HasSubstr("engines.vllm.command: is required"));
  EXPECT_THAT(ParseAgentConfig("supervision: {startupTimeout: soon}", "sim").status().message(),
              HasSubstr("supervision.startupTimeout:"));
  EXPECT_THAT(ParseAgentConfig("supervision: {backofMax: 1m}", "sim").status().message(),
              HasSubstr("supervision.backofMax: unknown field"));
  EXPECT_THAT(ParseAgentConfig("ports: 9000-8000", "sim").status().message(),
              HasSubstr("ports: must be a range"));
  EXPECT_THAT(ParseAgentConfig("logs: {maxBytes: lots}", "sim").status().message(),
              HasSubstr("logs.maxBytes"));
}

}  // namespace
}  // namespace tessera::agent
