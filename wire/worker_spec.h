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
//
// A router (role "router") runs on no partition: its `partitions` is empty
// or absent, and it has no `tensorParallelSize`. Every other role needs at
// least one partition.

#ifndef TESSERA_WIRE_WORKER_SPEC_H_
#define TESSERA_WIRE_WORKER_SPEC_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "wire/worker_role.h"

namespace tessera::wire {

// The engine settings of one worker, from its spec.
struct EngineSettings {
  std::string model{};              // path or Hugging Face id
  std::string served_model_name{};  // empty: the engine's default (the model)
  int tensor_parallel_size = 1;     // the number of partitions once parsed: 0 for a router
  std::optional<int> max_model_len{};
  std::optional<std::string> kv_cache_dtype{};  // "auto", "fp8", "fp8_e4m3", "fp8_e5m2", "bf16"
  std::optional<double> gpu_memory_utilization{};
  std::optional<bool> enable_prefix_caching{};
  std::vector<std::string> extra_args{};  // appended verbatim, each one argv element
  std::map<std::string, std::string> env{};

  friend bool operator==(const EngineSettings&, const EngineSettings&) = default;
};

struct WorkerSpec {
  std::string deployment{};
  std::string namespace_name = "default";
  WorkerRole role = WorkerRole::kAggregated;
  std::vector<int> partitions{};
  std::string engine{};  // allow-list entry
  EngineSettings settings{};
  std::optional<int> bootstrap_port{};
  std::optional<int> startup_timeout_seconds{};
  // Who asked for the worker ("tessera-controller"); empty for workers made
  // by hand. A controller removes only workers it manages.
  std::string managed_by{};

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

}  // namespace tessera::wire

#endif  // TESSERA_WIRE_WORKER_SPEC_H_
