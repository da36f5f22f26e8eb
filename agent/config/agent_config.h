// The agent's configuration file: which engines workers may run, how they
// are supervised, and the resources the agent hands out.
//
//   engines:
//     vllm:   {kind: vllm, command: [/opt/vllm/bin/vllm], version: "0.9.0",
//              env: {VLLM_USE_V1: "1"}}
//     sglang: {kind: sglang, command: [python3, -m, sglang.launch_server]}
//     sim:    {kind: sim, command: [tessera-engine-sim, --time-scale, "0.1"], flavor: vllm}
//     tessera-router: {kind: tessera-router, command: [/opt/tessera/bin/tessera-router]}
//   supervision: {startupTimeout: 20m, backoffMax: 5m, defaultGrace: 30s, ...}
//   ports: 20000-29999
//   logs: {maxBytes: 64MiB, maxFiles: 3}
//   scrapePeriod: 2s
//
// Every key is optional. An engine's `version` picks flag spellings that
// changed between releases (vLLM before 0.8 takes --speculative-model and
// --num-scheduler-steps; from 0.8 --speculative-config); without it the
// adapters use the current ones.
//
// Without an `engines` section the agent allows only the simulator installed beside it. Whatever
// the section says, the agent runs routers (tessera-router, role router, no partitions): with the
// `tessera-router` installed beside it unless an entry of kind
// tessera-router names another program. Every agent can host a
// deployment's router because it needs no GPU and is Tessera's own binary,
// not a program a manifest chooses.

#ifndef TESSERA_AGENT_CONFIG_AGENT_CONFIG_H_
#define TESSERA_AGENT_CONFIG_AGENT_CONFIG_H_

#include <chrono>
#include <map>
#include <string>
#include <string_view>

#include "agent/supervisor/supervision_policy.h"
#include "base/status.h"
#include "engine/adapters/launch_plan.h"

namespace tessera::agent {

struct AgentConfig {
  std::map<std::string, adapters::EngineInstallation> engines{};
  SupervisionPolicy policy;
  int port_first = 20000;
  int port_last = 29999;
  int64_t log_max_bytes = int64_t{64} << 20;
  int log_max_files = 3;
  std::chrono::milliseconds scrape_period{2'000};
  std::chrono::milliseconds scrape_timeout{1'000};
};

// The allow-list entry routers run as when the configuration has none.
inline constexpr std::string_view kRouterEngineName = "tessera-router";

// Parses the YAML above. Errors name the key path.
// `simulator_path` is the default `sim` engine's command, `router_path` the
// default `tessera-router` entry's.
StatusOr<AgentConfig> ParseAgentConfig(std::string_view yaml, const std::string& simulator_path,
                                       const std::string& router_path);

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_CONFIG_AGENT_CONFIG_H_
