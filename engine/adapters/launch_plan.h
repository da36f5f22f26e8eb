// What an engine adapter needs to launch a worker, and what it produces.

#ifndef TESSERA_ENGINE_ADAPTERS_LAUNCH_PLAN_H_
#define TESSERA_ENGINE_ADAPTERS_LAUNCH_PLAN_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/adapters/engine_version.h"
#include "wire/engine_kind.h"

namespace tessera::adapters {

// An engine binary the node's operator allows workers to run: the agent's
// configuration, never the manifest's, so a manifest cannot name an
// arbitrary program.
struct EngineInstallation {
  std::string name;                                 // what worker specs call it, e.g. "vllm-0.11"
  wire::EngineKind kind = wire::EngineKind::kVllm;  // which adapter builds its argv
  std::vector<std::string>
      command{};  // argv prefix, e.g. {"python3", "-m", "sglang.launch_server"}
  std::map<std::string, std::string> env{};
  // The simulator shows vLLM's or SGLang's health semantics and metric names.
  wire::MetricDialect sim_flavor = wire::MetricDialect::kVllm;
  // The engine's release, where flags are spelt differently across
  // releases. Unset: the current spellings (vLLM V1).
  std::optional<EngineVersion> version{};
};

// Where the worker runs on this node.
struct LaunchContext {
  std::string host = "0.0.0.0";
  int port = 0;
  // Prefill workers of SGLang and the simulator serve the KV hand-off here.
  std::optional<int> bootstrap_port{};
  // Node-wide device indices of the worker's partitions.
  std::vector<int> devices{};
  // The simulator models this hardware: "mi300x:cpx/nps4".
  std::string hardware;
  // A router's admin API takes the bearer token in this file: the agent's
  // own, so the controller's agent token reaches the routers it runs.
  // Empty: the admin API is open (an agent run with --no-auth).
  std::string admin_token_file{};
};

struct LaunchPlan {
  std::vector<std::string> argv{};
  std::map<std::string, std::string> env{};  // added to the agent's own environment
  std::string health_path = "/health";
  std::string metrics_path = "/metrics";
  wire::MetricDialect dialect = wire::MetricDialect::kVllm;
};

}  // namespace tessera::adapters

#endif  // TESSERA_ENGINE_ADAPTERS_LAUNCH_PLAN_H_
