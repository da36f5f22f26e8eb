// What the controller asks an agent to run: the body of PUT /v1/workers/{id}.
//
//   {"deployment": "llama-8b", "namespace": "default", "role": "aggregated",
//    "partitions": [0],
//    "engine": {"kind": "sim", "model": "meta-llama/Llama-3.1-8B-Instruct",
//               "servedModelName": "llama-8b", "tensorParallelSize": 1,
//               "maxModelLen": 8192, "kvCacheDtype": "fp8",
//               "gpuMemoryUtilization": 0.9, "enablePrefixCaching": true,
//               "extraArgs": [], "env": {}},
//    "bootstrapPort": 8998, "startupTimeoutSeconds": 1200,
//    "managedBy": "tessera-controller"}
//
// `engine.kind` names an entry of the agent's engine allow-list, not a
// program; `extraArgs` become argv elements and never reach a shell.

#ifndef TESSERA_AGENT_SUPERVISOR_WORKER_SPEC_H_
#define TESSERA_AGENT_SUPERVISOR_WORKER_SPEC_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "engine/adapters/launch_plan.h"

namespace tessera::agent {

struct WorkerSpec {
  std::string deployment;
  std::string namespace_name = "default";
  adapters::WorkerRole role = adapters::WorkerRole::kAggregated;
  std::vector<int> partitions{};
  std::string engine;  // allow-list entry
  adapters::EngineSettings settings{};
  std::optional<int> bootstrap_port{};
  std::optional<int> startup_timeout_seconds{};
  // Who asked for the worker ("tessera-controller"); empty for workers made
  // by hand. A controller removes only workers it manages.
  std::string managed_by;

  friend bool operator==(const WorkerSpec&, const WorkerSpec&) = default;
};

inline constexpr size_t kMaxWorkerIdLength = 128;

// Ids become file names and label values: 1-128 characters of [a-z0-9._-],
// starting with a letter or digit.
Status ValidateWorkerId(std::string_view id);

// Parses and validates a spec. Errors name the field path and the reason
// ("engine.tensorParallelSize: must equal the number of partitions (2), got 4").
// Unknown fields are errors too, so a misspelt setting is not silently
// ignored. Never throws.
StatusOr<WorkerSpec> ParseWorkerSpec(std::string_view json_text);
StatusOr<WorkerSpec> WorkerSpecFromJson(const nlohmann::json& json);

// The canonical JSON form; WorkerSpecFromJson(WorkerSpecToJson(s)) == s.
nlohmann::json WorkerSpecToJson(const WorkerSpec& spec);

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_SUPERVISOR_WORKER_SPEC_H_
