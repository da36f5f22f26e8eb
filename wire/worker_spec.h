// What the controller asks an agent to run: the body of PUT /v1/workers/{id}.
//
//   {"deployment": "llama-8b", "namespace": "default", "role": "aggregated",
//    "partitions": [0],
//    "engine": {"kind": "sim", "model": "meta-llama/Llama-3.1-8B-Instruct",
//               "servedModelName": "llama-8b", "tensorParallelSize": 1,
//               "pipelineParallelSize": 1, "maxModelLen": 8192, "kvCacheDtype": "fp8",
//               "gpuMemoryUtilization": 0.9, "enablePrefixCaching": true,
//               "quantization": "fp8", "numSchedulerSteps": 1,
//               "maxNumBatchedTokens": 8192,
//               "speculative": {"method": "draft", "draftModel": "meta-llama/Llama-3.2-1B",
//                               "numSpeculativeTokens": 5},
//               "extraArgs": [], "env": {}},
//    "bootstrapPort": 8998, "startupTimeoutSeconds": 1200,
//    "managedBy": "tessera-controller"}
//
// `engine.kind` names an entry of the agent's engine allow-list, not a
// program; `extraArgs` become argv elements and never reach a shell.
//
// A router (role "router") runs on no partition: its `partitions` is empty
// or absent, and it has no `tensorParallelSize`. Every other role needs at
// least one partition, and tensorParallelSize × pipelineParallelSize of
// them.

#ifndef TESSERA_WIRE_WORKER_SPEC_H_
#define TESSERA_WIRE_WORKER_SPEC_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "wire/worker_role.h"

namespace tessera::wire {

// Speculative decoding: a draft model (or n-gram lookup) proposes tokens the
// served model verifies in one step.
struct SpeculativeDecoding {
  std::string method{};       // "draft", "ngram" or "eagle"
  std::string draft_model{};  // path or Hugging Face id; empty for ngram
  int64_t num_speculative_tokens = 1;
  // The draft model's tensor-parallel size (vLLM): 1 or the worker's.
  std::optional<int64_t> draft_tensor_parallel_size{};

  friend bool operator==(const SpeculativeDecoding&, const SpeculativeDecoding&) = default;
};

// The methods of SpeculativeDecoding, and whether each needs a draft model.
bool IsSpeculativeMethod(std::string_view method);
bool SpeculativeMethodNeedsDraftModel(std::string_view method);

// The engine settings of one worker, from its spec.
struct EngineSettings {
  std::string model{};              // path or Hugging Face id
  std::string served_model_name{};  // empty: the engine's default (the model)
  // partitions / pipeline_parallel_size once parsed: 0 for a router.
  int tensor_parallel_size = 1;
  int64_t pipeline_parallel_size = 1;
  std::optional<int> max_model_len{};
  std::optional<std::string> kv_cache_dtype{};  // "auto", "fp8", "fp8_e4m3", "fp8_e5m2", "bf16"
  std::optional<double> gpu_memory_utilization{};
  std::optional<bool> enable_prefix_caching{};
  // Weights quantized on load ("fp8"); unset: as the checkpoint ships.
  std::optional<std::string> quantization{};
  // The dtype the engine computes in ("bfloat16", "float16"); unset: the
  // checkpoint's.
  std::optional<std::string> dtype{};
  std::optional<SpeculativeDecoding> speculative{};
  int64_t num_scheduler_steps = 1;  // vLLM V0 multi-step scheduling
  std::optional<int64_t> max_num_batched_tokens{};
  // Appended after Tessera's flags, each one argv element; the adapters
  // check them against the engine's allow-list (wire/engine_arguments.h).
  std::vector<std::string> extra_args{};
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
