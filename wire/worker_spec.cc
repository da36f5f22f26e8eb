#include "wire/worker_spec.h"

#include <algorithm>
#include <set>

#include "base/json_fields.h"
#include "base/strings.h"
#include "base/yaml_json.h"
#include "wire/engine_environment.h"

namespace tessera::wire {
namespace {

constexpr int kMaxPort = 65535;
constexpr int kMaxTensorParallel = 64;
constexpr int64_t kMaxSpeculativeTokens = 16;
constexpr int64_t kMaxSchedulerSteps = 64;
constexpr int64_t kMaxBatchedTokens = 100'000'000;

bool IsIdCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

StatusOr<SpeculativeDecoding> ReadSpeculative(const nlohmann::json& json) {
  JsonFields fields(json, "engine.speculative");
  SpeculativeDecoding speculative;
  std::optional<int64_t> tokens;
  fields.Required("method", speculative.method);
  fields.Optional("draftModel", speculative.draft_model);
  fields.Optional("numSpeculativeTokens", tokens, 1, kMaxSpeculativeTokens);
  fields.Optional("draftTensorParallelSize", speculative.draft_tensor_parallel_size, 1,
                  kMaxTensorParallel);
  if (!tokens) fields.Fail("numSpeculativeTokens", "is required");
  TESSERA_RETURN_IF_ERROR(fields.Finish());
  speculative.num_speculative_tokens = *tokens;
  if (!IsSpeculativeMethod(speculative.method)) {
    return InvalidArgumentError("engine.speculative.method: must be draft, ngram or eagle, got " +
                                Quote(speculative.method));
  }
  if (SpeculativeMethodNeedsDraftModel(speculative.method) && speculative.draft_model.empty()) {
    return InvalidArgumentError("engine.speculative.draftModel: is required for method " +
                                speculative.method);
  }
  if (!SpeculativeMethodNeedsDraftModel(speculative.method) && !speculative.draft_model.empty()) {
    return InvalidArgumentError("engine.speculative.draftModel: method " + speculative.method +
                                " uses no draft model");
  }
  return speculative;
}

Status ReadEngine(const nlohmann::json& json, WorkerSpec& spec) {
  JsonFields fields(json, "engine");
  EngineSettings& settings = spec.settings;
  std::optional<int> tensor_parallel_size;
  std::optional<int64_t> pipeline_parallel_size;
  std::optional<int64_t> scheduler_steps;
  fields.Required("kind", spec.engine);
  fields.Required("model", settings.model);
  fields.Optional("servedModelName", settings.served_model_name);
  fields.Optional("tensorParallelSize", tensor_parallel_size, 1, kMaxTensorParallel);
  fields.Optional("pipelineParallelSize", pipeline_parallel_size, 1, kMaxTensorParallel);
  fields.Optional("maxModelLen", settings.max_model_len, 1, 100'000'000);
  fields.Optional("kvCacheDtype", settings.kv_cache_dtype);
  fields.Optional("gpuMemoryUtilization", settings.gpu_memory_utilization, 0.01, 1.0);
  fields.Optional("enablePrefixCaching", settings.enable_prefix_caching);
  fields.Optional("quantization", settings.quantization);
  fields.Optional("dtype", settings.dtype);
  const nlohmann::json* speculative = fields.Child("speculative");
  fields.Optional("numSchedulerSteps", scheduler_steps, 1, kMaxSchedulerSteps);
  fields.Optional("maxNumBatchedTokens", settings.max_num_batched_tokens, 1, kMaxBatchedTokens);
  fields.Optional("extraArgs", settings.extra_args);
  fields.Optional("env", settings.env);
  TESSERA_RETURN_IF_ERROR(fields.Finish());

  // A worker holds tensorParallelSize × pipelineParallelSize partitions:
  // one rank on each.
  const auto partitions = static_cast<int>(spec.partitions.size());
  if (pipeline_parallel_size && !spec.partitions.empty()) {
    if (partitions % *pipeline_parallel_size != 0) {
      return InvalidArgumentError(
          "engine.pipelineParallelSize: must divide the number of "
          "partitions (" +
          std::to_string(partitions) + "), got " + std::to_string(*pipeline_parallel_size));
    }
    settings.pipeline_parallel_size = *pipeline_parallel_size;
  } else if (pipeline_parallel_size && *pipeline_parallel_size != 1) {
    return InvalidArgumentError(
        "engine.pipelineParallelSize: a " + std::string(WorkerRoleName(spec.role)) +
        " worker runs on no partition, got " + std::to_string(*pipeline_parallel_size));
  }
  const auto stages = static_cast<int>(settings.pipeline_parallel_size);
  if (tensor_parallel_size && *tensor_parallel_size * stages != partitions) {
    return InvalidArgumentError(
        stages == 1
            ? "engine.tensorParallelSize: must equal the number of partitions (" +
                  std::to_string(partitions) + "), got " + std::to_string(*tensor_parallel_size)
            : "engine.tensorParallelSize: times pipelineParallelSize (" + std::to_string(stages) +
                  ") must equal the number of partitions (" + std::to_string(partitions) +
                  "), got " + std::to_string(*tensor_parallel_size));
  }
  settings.tensor_parallel_size = partitions / stages;
  if (scheduler_steps) settings.num_scheduler_steps = *scheduler_steps;
  if (speculative != nullptr) {
    TESSERA_ASSIGN_OR_RETURN(settings.speculative, ReadSpeculative(*speculative));
    const std::optional<int64_t>& draft_size = settings.speculative->draft_tensor_parallel_size;
    if (draft_size && *draft_size != 1 && *draft_size != settings.tensor_parallel_size) {
      return InvalidArgumentError(
          "engine.speculative.draftTensorParallelSize: must be 1 or the worker's "
          "tensorParallelSize (" +
          std::to_string(settings.tensor_parallel_size) + "), got " + std::to_string(*draft_size));
    }
  }
  if (settings.quantization && *settings.quantization != "fp8") {
    return InvalidArgumentError("engine.quantization: must be fp8, got " +
                                Quote(*settings.quantization));
  }
  if (settings.dtype && *settings.dtype != "bfloat16" && *settings.dtype != "float16") {
    return InvalidArgumentError("engine.dtype: must be bfloat16 or float16, got " +
                                Quote(*settings.dtype));
  }
  TESSERA_RETURN_IF_ERROR(CheckEngineEnvironment(settings.env, "engine.env"));
  for (size_t i = 0; i < settings.extra_args.size(); ++i) {
    if (settings.extra_args[i].find('\0') != std::string::npos) {
      return InvalidArgumentError("engine.extraArgs[" + std::to_string(i) +
                                  "]: must not contain a NUL character");
    }
  }
  return OkStatus();
}

Status ReadPartitions(const nlohmann::json* json, WorkerSpec& spec) {
  if (!UsesPartitions(spec.role)) {
    // A router holds no GPU: it may say so with [] or by leaving the field out.
    if (json == nullptr || (json->is_array() && json->empty())) return OkStatus();
    return InvalidArgumentError(
        "partitions: must be empty for a " + std::string(WorkerRoleName(spec.role)) +
        " worker, which runs on no GPU partition, got " + DescribeJson(*json));
  }
  if (json == nullptr) return InvalidArgumentError("partitions: is required");
  if (!json->is_array() || json->empty()) {
    return InvalidArgumentError("partitions: must be a non-empty list of partition indices, got " +
                                DescribeJson(*json));
  }
  std::set<int> seen;
  for (size_t i = 0; i < json->size(); ++i) {
    const nlohmann::json& element = (*json)[i];
    const std::string path = "partitions[" + std::to_string(i) + "]";
    if (!element.is_number_integer() || element.get<int64_t>() < 0 ||
        element.get<int64_t>() > 4096) {
      return InvalidArgumentError(path + ": must be a partition index (0-4096), got " +
                                  DescribeJson(element));
    }
    const int partition = element.get<int>();
    if (!seen.insert(partition).second) {
      return InvalidArgumentError(path + ": partition " + std::to_string(partition) +
                                  " is listed twice");
    }
    spec.partitions.push_back(partition);
  }
  if (spec.partitions.size() > static_cast<size_t>(kMaxTensorParallel)) {
    return InvalidArgumentError("partitions: at most " + std::to_string(kMaxTensorParallel) +
                                " per worker");
  }
  return OkStatus();
}

}  // namespace

bool IsSpeculativeMethod(std::string_view method) {
  return method == "draft" || method == "ngram" || method == "eagle";
}

bool SpeculativeMethodNeedsDraftModel(std::string_view method) {
  return method == "draft" || method == "eagle";
}

Status ValidateWorkerId(std::string_view id) {
  if (id.empty() || id.size() > kMaxWorkerIdLength) {
    return InvalidArgumentError("worker id: must be 1-128 characters, got " +
                                std::to_string(id.size()));
  }
  if (!std::all_of(id.begin(), id.end(), IsIdCharacter) || id[0] == '.' || id[0] == '_' ||
      id[0] == '-') {
    return InvalidArgumentError("worker id " + Quote(id) +
                                ": use lower-case letters, digits, '.', '_' and '-', starting "
                                "with a letter or digit");
  }
  return OkStatus();
}

StatusOr<WorkerSpec> WorkerSpecFromJson(const nlohmann::json& json) {
  WorkerSpec spec;
  JsonFields fields(json, "");
  std::string role = "aggregated";
  fields.Required("deployment", spec.deployment);
  fields.Optional("namespace", spec.namespace_name);
  fields.Optional("role", role);
  const nlohmann::json* partitions = fields.Child("partitions");
  const nlohmann::json* engine = fields.Child("engine");
  fields.Optional("bootstrapPort", spec.bootstrap_port, 1, kMaxPort);
  fields.Optional("startupTimeoutSeconds", spec.startup_timeout_seconds, 1, 24 * 3600);
  fields.Optional("managedBy", spec.managed_by);
  TESSERA_RETURN_IF_ERROR(fields.Finish());
  if (spec.managed_by.size() > 253) {
    return InvalidArgumentError("managedBy: at most 253 characters");
  }

  StatusOr<WorkerRole> parsed_role = ParseWorkerRole(role);
  if (!parsed_role.ok()) return parsed_role.status().WithContext("role");
  spec.role = *parsed_role;
  TESSERA_RETURN_IF_ERROR(ReadPartitions(partitions, spec));
  if (engine == nullptr) return InvalidArgumentError("engine: is required");
  TESSERA_RETURN_IF_ERROR(ReadEngine(*engine, spec));
  if (spec.bootstrap_port && spec.role != WorkerRole::kPrefill) {
    return InvalidArgumentError("bootstrapPort: only prefill workers serve a KV bootstrap port");
  }
  return spec;
}

StatusOr<WorkerSpec> ParseWorkerSpec(std::string_view json_text) {
  // ParseJson bounds nesting, so a body of 100,000 '[' is an error here, not
  // a stack overflow in whatever walks the value later.
  StatusOr<nlohmann::json> json = ParseJson(json_text);
  if (!json.ok()) return InvalidArgumentError("body: not valid JSON: " + json.status().message());
  return WorkerSpecFromJson(*json);
}

nlohmann::json WorkerSpecToJson(const WorkerSpec& spec) {
  const EngineSettings& settings = spec.settings;
  nlohmann::json engine = {
      {"kind", spec.engine},
      {"model", settings.model},
      {"extraArgs", settings.extra_args},
      {"env", settings.env},
  };
  // A worker without partitions has no tensor-parallel group to describe.
  if (!spec.partitions.empty()) engine["tensorParallelSize"] = settings.tensor_parallel_size;
  if (!settings.served_model_name.empty()) engine["servedModelName"] = settings.served_model_name;
  if (settings.max_model_len) engine["maxModelLen"] = *settings.max_model_len;
  if (settings.kv_cache_dtype) engine["kvCacheDtype"] = *settings.kv_cache_dtype;
  if (settings.gpu_memory_utilization) {
    engine["gpuMemoryUtilization"] = *settings.gpu_memory_utilization;
  }
  if (settings.enable_prefix_caching) {
    engine["enablePrefixCaching"] = *settings.enable_prefix_caching;
  }
  // Settings at their defaults are left out, so a worker spec written before
  // they existed reads back (and hashes) the same: no rollout on upgrade.
  if (settings.pipeline_parallel_size != 1) {
    engine["pipelineParallelSize"] = settings.pipeline_parallel_size;
  }
  if (settings.quantization) engine["quantization"] = *settings.quantization;
  if (settings.dtype) engine["dtype"] = *settings.dtype;
  if (settings.speculative) {
    const SpeculativeDecoding& speculative = *settings.speculative;
    nlohmann::json entry = {{"method", speculative.method},
                            {"numSpeculativeTokens", speculative.num_speculative_tokens}};
    if (!speculative.draft_model.empty()) entry["draftModel"] = speculative.draft_model;
    if (speculative.draft_tensor_parallel_size) {
      entry["draftTensorParallelSize"] = *speculative.draft_tensor_parallel_size;
    }
    engine["speculative"] = std::move(entry);
  }
  if (settings.num_scheduler_steps != 1) engine["numSchedulerSteps"] = settings.num_scheduler_steps;
  if (settings.max_num_batched_tokens) {
    engine["maxNumBatchedTokens"] = *settings.max_num_batched_tokens;
  }
  nlohmann::json json = {
      {"deployment", spec.deployment},     {"namespace", spec.namespace_name},
      {"role", WorkerRoleName(spec.role)}, {"partitions", spec.partitions},
      {"engine", std::move(engine)},
  };
  if (spec.bootstrap_port) json["bootstrapPort"] = *spec.bootstrap_port;
  if (spec.startup_timeout_seconds) json["startupTimeoutSeconds"] = *spec.startup_timeout_seconds;
  if (!spec.managed_by.empty()) json["managedBy"] = spec.managed_by;
  return json;
}

}  // namespace tessera::wire
