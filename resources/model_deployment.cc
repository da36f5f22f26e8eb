#include "resources/model_deployment.h"

#include <algorithm>
#include <array>

#include "base/json_fields.h"
#include "base/strings.h"
#include "wire/engine_arguments.h"
#include "wire/engine_environment.h"

namespace tessera::resources {
namespace {

using nlohmann::json;
using wire::WorkerRole;

constexpr int kMaxReplicas = 10'000;
constexpr int kMaxTensorParallelSize = 64;
// Partitions one worker may hold (the agent's limit too).
constexpr int kMaxPartitionsPerWorker = 64;
constexpr int kMaxSpeculativeTokens = 16;
constexpr int kMaxSchedulerSteps = 64;
constexpr int64_t kMaxBatchedTokens = 100'000'000;
// The CRD's bounds, which keep its CEL rules' cost within the API server's.
constexpr size_t kMaxExtraArgs = 64;
constexpr size_t kMaxExtraArgLength = 256;
constexpr std::array<std::string_view, 6> kKvCacheDtypes = {"auto",     "fp8",      "fp8_e4m3",
                                                            "fp8_e5m2", "bfloat16", "float16"};
constexpr std::array<std::string_view, 3> kWeightDtypes = {"bfloat16", "float16", "fp8"};

template <size_t N>
bool OneOf(const std::array<std::string_view, N>& names, std::string_view value) {
  return std::find(names.begin(), names.end(), value) != names.end();
}

template <size_t N>
std::string Listed(const std::array<std::string_view, N>& names) {
  return Join(names, ", ");
}

StatusOr<ArchitectureSpec> ReadArchitecture(const json& object) {
  ArchitectureSpec architecture;
  JsonFields fields(object, "spec.model.architecture");
  std::optional<int64_t> parameters;
  fields.Optional("parameters", parameters, 1, int64_t{1} << 50);
  if (!parameters) fields.Fail("parameters", "is required");
  fields.Required("layers", architecture.layers, 1, 1000);
  fields.Required("hiddenSize", architecture.hidden_size, 1, 1 << 20);
  fields.Required("attentionHeads", architecture.attention_heads, 1, 4096);
  fields.Required("kvHeads", architecture.kv_heads, 1, 4096);
  fields.Optional("headDim", architecture.head_dim, 1, 4096);
  fields.Optional("intermediateSize", architecture.intermediate_size, 1, 1 << 24);
  fields.Optional("vocabSize", architecture.vocab_size, 1, 1 << 24);
  fields.Optional("maxContextLength", architecture.max_context_length, 1, 100'000'000);
  fields.Optional("dtype", architecture.dtype);
  TESSERA_RETURN_IF_ERROR(fields.Finish());
  architecture.parameters = *parameters;
  if (!OneOf(kWeightDtypes, architecture.dtype)) {
    return InvalidArgumentError("spec.model.architecture.dtype: must be one of " +
                                Listed(kWeightDtypes) + ", got " + Quote(architecture.dtype));
  }
  if (architecture.kv_heads > architecture.attention_heads ||
      architecture.attention_heads % architecture.kv_heads != 0) {
    return InvalidArgumentError(
        "spec.model.architecture.kvHeads: " + std::to_string(architecture.kv_heads) +
        " must divide attentionHeads " + std::to_string(architecture.attention_heads));
  }
  return architecture;
}

Status ReadModel(const json* object, ModelSpec& model) {
  if (object == nullptr) return InvalidArgumentError("spec.model: is required");
  JsonFields fields(*object, "spec.model");
  fields.Required("source", model.source);
  fields.Optional("servedName", model.served_name);
  const json* architecture = fields.Child("architecture");
  fields.Optional("dtype", model.dtype);
  TESSERA_RETURN_IF_ERROR(fields.Finish());
  if (model.dtype && !OneOf(kWeightDtypes, *model.dtype)) {
    return InvalidArgumentError("spec.model.dtype: must be one of " + Listed(kWeightDtypes) +
                                ", got " + Quote(*model.dtype));
  }
  if (architecture != nullptr) {
    TESSERA_ASSIGN_OR_RETURN(model.architecture, ReadArchitecture(*architecture));
  }
  return OkStatus();
}

StatusOr<wire::SpeculativeDecoding> ReadSpeculative(const json& object) {
  JsonFields fields(object, "spec.engine.speculative");
  wire::SpeculativeDecoding speculative;
  int tokens = 0;
  std::optional<int64_t> draft_size;
  fields.Required("method", speculative.method);
  fields.Optional("draftModel", speculative.draft_model);
  fields.Required("numSpeculativeTokens", tokens, 1, kMaxSpeculativeTokens);
  fields.Optional("draftTensorParallelSize", draft_size, 1, kMaxTensorParallelSize);
  TESSERA_RETURN_IF_ERROR(fields.Finish());
  speculative.num_speculative_tokens = tokens;
  speculative.draft_tensor_parallel_size = draft_size;
  if (!wire::IsSpeculativeMethod(speculative.method)) {
    return InvalidArgumentError(
        "spec.engine.speculative.method: must be one of draft, ngram, eagle, got " +
        Quote(speculative.method));
  }
  const bool needs_draft = wire::SpeculativeMethodNeedsDraftModel(speculative.method);
  if (needs_draft && speculative.draft_model.empty()) {
    return InvalidArgumentError(
        "spec.engine.speculative.draftModel: is required for method draft and eagle");
  }
  if (!needs_draft && !speculative.draft_model.empty()) {
    return InvalidArgumentError(
        "spec.engine.speculative.draftModel: method ngram proposes tokens from the prompt and "
        "uses no draft model");
  }
  return speculative;
}

Status ReadEngine(const json* object, EngineSpec& engine) {
  if (object == nullptr) return InvalidArgumentError("spec.engine: is required");
  JsonFields fields(*object, "spec.engine");
  std::string kind;
  std::optional<int> concurrency;
  fields.Required("kind", kind);
  fields.Optional("kvCacheDtype", engine.kv_cache_dtype);
  fields.Optional("maxModelLen", engine.max_model_len, 1, 100'000'000);
  fields.Optional("gpuMemoryUtilization", engine.gpu_memory_utilization, 0.0, 1.0);
  fields.Optional("enablePrefixCaching", engine.enable_prefix_caching);
  const json* speculative = fields.Child("speculative");
  fields.Optional("numSchedulerSteps", engine.num_scheduler_steps, 1, kMaxSchedulerSteps);
  fields.Optional("maxNumBatchedTokens", engine.max_num_batched_tokens, 1, kMaxBatchedTokens);
  fields.Optional("concurrency", concurrency, 1, 1 << 20);
  fields.Optional("startupTimeoutSeconds", engine.startup_timeout_seconds, 1, 24 * 3600);
  fields.Optional("extraArgs", engine.extra_args);
  fields.Optional("env", engine.env);
  TESSERA_RETURN_IF_ERROR(fields.Finish());
  StatusOr<wire::EngineKind> parsed = wire::ParseEngineKind(kind);
  // The router is Tessera's own process in front of the engines, set up
  // by spec.router; it serves no model by itself.
  if (parsed.ok() && *parsed == wire::EngineKind::kRouter) {
    parsed = InvalidArgumentError("unknown engine kind " + Quote(kind) +
                                  "; expected vllm, sglang or sim");
  }
  if (!parsed.ok()) return parsed.status().WithContext("spec.engine.kind");
  engine.kind = *parsed;
  if (concurrency) engine.concurrency = *concurrency;
  if (engine.kv_cache_dtype && !OneOf(kKvCacheDtypes, *engine.kv_cache_dtype)) {
    return InvalidArgumentError("spec.engine.kvCacheDtype: must be one of " +
                                Listed(kKvCacheDtypes) + ", got " + Quote(*engine.kv_cache_dtype));
  }
  if (engine.gpu_memory_utilization && *engine.gpu_memory_utilization <= 0) {
    return InvalidArgumentError("spec.engine.gpuMemoryUtilization: must be above 0 and at most 1");
  }
  if (speculative != nullptr) {
    TESSERA_ASSIGN_OR_RETURN(engine.speculative, ReadSpeculative(*speculative));
  }
  // The combinations the engines refuse at start-up, refused here (and by
  // the CRD's CEL rules, with the same messages) before a worker crash-loops.
  if (engine.num_scheduler_steps && engine.kind == wire::EngineKind::kSglang) {
    return InvalidArgumentError(
        "spec.engine.numSchedulerSteps: SGLang has no multi-step scheduling; remove it for kind "
        "sglang");
  }
  if (engine.num_scheduler_steps.value_or(1) > 1 && engine.speculative) {
    return InvalidArgumentError(
        "spec.engine.numSchedulerSteps: multi-step scheduling (above 1) cannot be combined with "
        "spec.engine.speculative (vLLM refuses it)");
  }
  if (engine.speculative && engine.speculative->draft_tensor_parallel_size &&
      engine.kind == wire::EngineKind::kSglang) {
    return InvalidArgumentError(
        "spec.engine.speculative.draftTensorParallelSize: SGLang runs the draft model at the "
        "worker's tensorParallelSize; remove it for kind sglang");
  }
  if (engine.extra_args.size() > kMaxExtraArgs) {
    return InvalidArgumentError("spec.engine.extraArgs: at most " + std::to_string(kMaxExtraArgs) +
                                " elements, got " + std::to_string(engine.extra_args.size()));
  }
  for (size_t i = 0; i < engine.extra_args.size(); ++i) {
    if (engine.extra_args[i].size() > kMaxExtraArgLength) {
      return InvalidArgumentError("spec.engine.extraArgs[" + std::to_string(i) + "]: at most " +
                                  std::to_string(kMaxExtraArgLength) + " characters, got " +
                                  std::to_string(engine.extra_args[i].size()));
    }
  }
  TESSERA_RETURN_IF_ERROR(
      wire::CheckEngineExtraArguments(engine.kind, engine.extra_args, "spec.engine.extraArgs"));
  return wire::CheckEngineEnvironment(engine.env, "spec.engine.env");
}

StatusOr<RoleSpec> ReadRole(const json& object, const std::string& path) {
  RoleSpec role;
  JsonFields fields(object, path);
  std::optional<int> tensor_parallel_size;
  std::optional<int> pipeline_parallel_size;
  fields.Required("replicas", role.replicas, 0, kMaxReplicas);
  fields.Optional("tensorParallelSize", tensor_parallel_size, 1, kMaxTensorParallelSize);
  fields.Optional("pipelineParallelSize", pipeline_parallel_size, 1, kMaxPartitionsPerWorker);
  TESSERA_RETURN_IF_ERROR(fields.Finish());
  if (tensor_parallel_size) role.tensor_parallel_size = *tensor_parallel_size;
  if (pipeline_parallel_size) role.pipeline_parallel_size = *pipeline_parallel_size;
  const int size = role.tensor_parallel_size;
  if ((size & (size - 1)) != 0) {
    return InvalidArgumentError(path + ".tensorParallelSize: must be a power of two, got " +
                                std::to_string(size));
  }
  if (role.Partitions() > kMaxPartitionsPerWorker) {
    return InvalidArgumentError(
        path + ".pipelineParallelSize: tensorParallelSize × pipelineParallelSize is the " +
        "partitions a worker holds, at most " + std::to_string(kMaxPartitionsPerWorker) + ", got " +
        std::to_string(role.Partitions()));
  }
  return role;
}

Status ReadPlacement(const json* object, PlacementSpec& placement) {
  if (object == nullptr) return OkStatus();
  JsonFields fields(*object, "spec.placement");
  std::optional<std::string> compute;
  std::optional<std::string> memory;
  std::optional<bool> spread;
  fields.Optional("computePartition", compute);
  fields.Optional("memoryPartition", memory);
  fields.Optional("nodeSelector", placement.node_selector);
  fields.Optional("spread", spread);
  TESSERA_RETURN_IF_ERROR(fields.Finish());
  if (compute) {
    StatusOr<hardware::ComputePartition> parsed = hardware::ParseComputePartition(*compute);
    if (!parsed.ok()) return parsed.status().WithContext("spec.placement.computePartition");
    placement.compute_partition = *parsed;
  }
  if (memory) {
    StatusOr<hardware::MemoryPartition> parsed = hardware::ParseMemoryPartition(*memory);
    if (!parsed.ok()) return parsed.status().WithContext("spec.placement.memoryPartition");
    placement.memory_partition = *parsed;
  }
  if (spread) placement.spread = *spread;
  return OkStatus();
}

Status ReadRollout(const json* object, RolloutSpec& rollout) {
  if (object == nullptr) return OkStatus();
  JsonFields fields(*object, "spec.rollout");
  std::optional<int> max_surge;
  std::optional<int> max_unavailable;
  std::optional<int> grace;
  std::optional<int> deadline;
  fields.Optional("maxSurge", max_surge, 0, kMaxReplicas);
  fields.Optional("maxUnavailable", max_unavailable, 0, kMaxReplicas);
  fields.Optional("drainGraceSeconds", grace, 0, 24 * 3600);
  fields.Optional("progressDeadlineSeconds", deadline, 1, 7 * 24 * 3600);
  TESSERA_RETURN_IF_ERROR(fields.Finish());
  if (max_surge) rollout.max_surge = *max_surge;
  if (max_unavailable) rollout.max_unavailable = *max_unavailable;
  if (grace) rollout.drain_grace_seconds = *grace;
  if (deadline) rollout.progress_deadline_seconds = *deadline;
  if (rollout.max_surge == 0 && rollout.max_unavailable == 0) {
    return InvalidArgumentError(
        "spec.rollout: maxSurge and maxUnavailable cannot both be 0 (a rollout could never "
        "replace a worker)");
  }
  return OkStatus();
}

json RoleSpecToJson(const RoleSpec& role) {
  json result = {{"replicas", role.replicas}, {"tensorParallelSize", role.tensor_parallel_size}};
  // Left out at its default, so the spec hash of a manifest written before
  // the field existed does not change.
  if (role.pipeline_parallel_size != 1)
    result["pipelineParallelSize"] = role.pipeline_parallel_size;
  return result;
}

// Neither vLLM nor SGLang runs speculative decoding across pipeline stages
// (vLLM refuses the pair at start-up).
Status CheckSpeculativeWithoutPipeline(const ModelDeploymentSpec& spec) {
  if (!spec.engine.speculative) return OkStatus();
  for (WorkerRole role : spec.Roles()) {
    if (spec.Role(role).pipeline_parallel_size > 1) {
      return InvalidArgumentError(
          "spec.engine.speculative: speculative decoding cannot be combined with "
          "pipelineParallelSize above 1 (the engines do not run the two together)");
    }
  }
  return OkStatus();
}

// vLLM takes the draft model's tensor-parallel size as 1 or the target's.
Status CheckDraftTensorParallelSize(const ModelDeploymentSpec& spec) {
  if (!spec.engine.speculative || !spec.engine.speculative->draft_tensor_parallel_size) {
    return OkStatus();
  }
  const int64_t draft = *spec.engine.speculative->draft_tensor_parallel_size;
  if (draft == 1) return OkStatus();
  for (WorkerRole role : spec.Roles()) {
    if (spec.Role(role).tensor_parallel_size != draft) {
      return InvalidArgumentError(
          "spec.engine.speculative.draftTensorParallelSize: must be 1 or the tensorParallelSize "
          "of every role");
    }
  }
  return OkStatus();
}

int IntField(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<int>() : 0;
}

std::string StringField(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string_view DeploymentModeName(DeploymentMode mode) {
  return mode == DeploymentMode::kAggregated ? "aggregated" : "disaggregated";
}

std::string_view RoleKey(WorkerRole role) {
  switch (role) {
    case WorkerRole::kAggregated:
      return "worker";
    case WorkerRole::kPrefill:
      return "prefill";
    case WorkerRole::kDecode:
      return "decode";
    case WorkerRole::kRouter:
      return "router";
  }
  return "worker";
}

std::vector<WorkerRole> ModelDeploymentSpec::Roles() const {
  if (mode == DeploymentMode::kAggregated) return {WorkerRole::kAggregated};
  return {WorkerRole::kPrefill, WorkerRole::kDecode};
}

std::vector<WorkerRole> ModelDeploymentSpec::ManagedRoles() const {
  std::vector<WorkerRole> roles = Roles();
  roles.push_back(WorkerRole::kRouter);
  return roles;
}

int ModelDeploymentSpec::Replicas(WorkerRole role) const {
  if (role == WorkerRole::kRouter) return router.replicas;
  const std::vector<WorkerRole> roles = Roles();
  if (std::find(roles.begin(), roles.end(), role) == roles.end()) return 0;
  return Role(role).replicas;
}

const RoleSpec& ModelDeploymentSpec::Role(WorkerRole role) const {
  switch (role) {
    case WorkerRole::kPrefill:
      return *prefill;
    case WorkerRole::kDecode:
      return *decode;
    case WorkerRole::kAggregated:
    case WorkerRole::kRouter:
      break;
  }
  return *worker;
}

RoleSpec& ModelDeploymentSpec::Role(WorkerRole role) {
  return const_cast<RoleSpec&>(std::as_const(*this).Role(role));  // NOLINT(*-const-cast)
}

const std::string& ModelDeployment::ServedName() const {
  return spec.model.served_name.empty() ? metadata.name : spec.model.served_name;
}

StatusOr<ModelDeploymentSpec> ModelDeploymentSpecFromJson(const json& spec_json) {
  ModelDeploymentSpec spec;
  JsonFields fields(spec_json, "spec");
  std::string mode = "aggregated";
  const json* model = fields.Child("model");
  const json* engine = fields.Child("engine");
  fields.Optional("mode", mode);
  const json* worker = fields.Child("worker");
  const json* prefill = fields.Child("prefill");
  const json* decode = fields.Child("decode");
  const json* placement = fields.Child("placement");
  const json* rollout = fields.Child("rollout");
  const json* router = fields.Child("router");
  TESSERA_RETURN_IF_ERROR(fields.Finish());

  TESSERA_RETURN_IF_ERROR(ReadModel(model, spec.model));
  TESSERA_RETURN_IF_ERROR(ReadEngine(engine, spec.engine));
  if (mode == "aggregated") {
    spec.mode = DeploymentMode::kAggregated;
    if (worker == nullptr)
      return InvalidArgumentError("spec.worker: is required in aggregated mode");
    if (prefill != nullptr || decode != nullptr) {
      return InvalidArgumentError(std::string("spec.") +
                                  (prefill != nullptr ? "prefill" : "decode") +
                                  ": only disaggregated mode has prefill and decode workers");
    }
    TESSERA_ASSIGN_OR_RETURN(spec.worker, ReadRole(*worker, "spec.worker"));
  } else if (mode == "disaggregated") {
    spec.mode = DeploymentMode::kDisaggregated;
    if (prefill == nullptr) {
      return InvalidArgumentError("spec.prefill: is required in disaggregated mode");
    }
    if (decode == nullptr) {
      return InvalidArgumentError("spec.decode: is required in disaggregated mode");
    }
    if (worker != nullptr) {
      return InvalidArgumentError(
          "spec.worker: disaggregated mode has prefill and decode workers, not worker");
    }
    TESSERA_ASSIGN_OR_RETURN(spec.prefill, ReadRole(*prefill, "spec.prefill"));
    TESSERA_ASSIGN_OR_RETURN(spec.decode, ReadRole(*decode, "spec.decode"));
  } else {
    return InvalidArgumentError("spec.mode: must be aggregated or disaggregated, got " +
                                Quote(mode));
  }
  TESSERA_RETURN_IF_ERROR(CheckDraftTensorParallelSize(spec));
  TESSERA_RETURN_IF_ERROR(CheckSpeculativeWithoutPipeline(spec));
  TESSERA_RETURN_IF_ERROR(ReadPlacement(placement, spec.placement));
  TESSERA_RETURN_IF_ERROR(ReadRollout(rollout, spec.rollout));
  TESSERA_ASSIGN_OR_RETURN(spec.router,
                           RouterSpecFromJson(router, spec.Disaggregated(), spec.engine.kind));
  return spec;
}

StatusOr<ModelDeployment> ModelDeploymentFromJson(const json& object) {
  ModelDeployment deployment;
  JsonFields fields(object, "");
  std::string api_version;
  std::string kind;
  fields.Required("apiVersion", api_version);
  fields.Required("kind", kind);
  const json* metadata = fields.Child("metadata");
  const json* spec = fields.Child("spec");
  const json* status = fields.Child("status");
  TESSERA_RETURN_IF_ERROR(fields.Finish());
  if (api_version != kApiVersion) {
    return InvalidArgumentError("apiVersion: must be " + std::string(kApiVersion) + ", got " +
                                Quote(api_version));
  }
  if (kind != kModelDeploymentKind) {
    return InvalidArgumentError("kind: must be ModelDeployment, got " + Quote(kind));
  }
  if (metadata == nullptr) return InvalidArgumentError("metadata: is required");
  TESSERA_ASSIGN_OR_RETURN(deployment.metadata, ObjectMetaFromJson(object));
  if (Status name = ValidateDnsLabel(deployment.metadata.name); !name.ok()) {
    return name.WithContext("metadata.name");
  }
  if (deployment.metadata.namespace_name.empty()) deployment.metadata.namespace_name = "default";
  if (Status name = ValidateDnsLabel(deployment.metadata.namespace_name); !name.ok()) {
    return name.WithContext("metadata.namespace");
  }
  if (spec == nullptr) return InvalidArgumentError("spec: is required");
  TESSERA_ASSIGN_OR_RETURN(deployment.spec, ModelDeploymentSpecFromJson(*spec));
  if (status != nullptr) deployment.status = ModelDeploymentStatusFromJson(*status);
  return deployment;
}

json ModelDeploymentSpecToJson(const ModelDeploymentSpec& spec) {
  json model = {{"source", spec.model.source}};
  if (!spec.model.served_name.empty()) model["servedName"] = spec.model.served_name;
  if (spec.model.dtype) model["dtype"] = *spec.model.dtype;
  if (spec.model.architecture) {
    const ArchitectureSpec& architecture = *spec.model.architecture;
    json entry = {
        {"parameters", architecture.parameters},  {"layers", architecture.layers},
        {"hiddenSize", architecture.hidden_size}, {"attentionHeads", architecture.attention_heads},
        {"kvHeads", architecture.kv_heads},       {"dtype", architecture.dtype}};
    if (architecture.head_dim) entry["headDim"] = *architecture.head_dim;
    if (architecture.intermediate_size) entry["intermediateSize"] = *architecture.intermediate_size;
    if (architecture.vocab_size) entry["vocabSize"] = *architecture.vocab_size;
    if (architecture.max_context_length) {
      entry["maxContextLength"] = *architecture.max_context_length;
    }
    model["architecture"] = std::move(entry);
  }
  const EngineSpec& settings = spec.engine;
  json engine = {{"kind", wire::EngineKindName(settings.kind)},
                 {"concurrency", settings.concurrency},
                 {"extraArgs", settings.extra_args},
                 {"env", settings.env}};
  if (settings.kv_cache_dtype) engine["kvCacheDtype"] = *settings.kv_cache_dtype;
  if (settings.max_model_len) engine["maxModelLen"] = *settings.max_model_len;
  if (settings.gpu_memory_utilization) {
    engine["gpuMemoryUtilization"] = *settings.gpu_memory_utilization;
  }
  if (settings.enable_prefix_caching) {
    engine["enablePrefixCaching"] = *settings.enable_prefix_caching;
  }
  if (settings.startup_timeout_seconds) {
    engine["startupTimeoutSeconds"] = *settings.startup_timeout_seconds;
  }
  if (settings.speculative) {
    const wire::SpeculativeDecoding& speculative = *settings.speculative;
    json entry = {{"method", speculative.method},
                  {"numSpeculativeTokens", speculative.num_speculative_tokens}};
    if (!speculative.draft_model.empty()) entry["draftModel"] = speculative.draft_model;
    if (speculative.draft_tensor_parallel_size) {
      entry["draftTensorParallelSize"] = *speculative.draft_tensor_parallel_size;
    }
    engine["speculative"] = std::move(entry);
  }
  if (settings.num_scheduler_steps) engine["numSchedulerSteps"] = *settings.num_scheduler_steps;
  if (settings.max_num_batched_tokens) {
    engine["maxNumBatchedTokens"] = *settings.max_num_batched_tokens;
  }
  json placement = {{"nodeSelector", spec.placement.node_selector},
                    {"spread", spec.placement.spread}};
  if (spec.placement.compute_partition) {
    placement["computePartition"] =
        hardware::ComputePartitionName(*spec.placement.compute_partition);
  }
  if (spec.placement.memory_partition) {
    placement["memoryPartition"] = hardware::MemoryPartitionName(*spec.placement.memory_partition);
  }
  json result = {{"model", std::move(model)},
                 {"engine", std::move(engine)},
                 {"mode", DeploymentModeName(spec.mode)},
                 {"placement", std::move(placement)},
                 {"rollout",
                  {{"maxSurge", spec.rollout.max_surge},
                   {"maxUnavailable", spec.rollout.max_unavailable},
                   {"drainGraceSeconds", spec.rollout.drain_grace_seconds},
                   {"progressDeadlineSeconds", spec.rollout.progress_deadline_seconds}}}};
  for (WorkerRole role : spec.Roles()) result[RoleKey(role)] = RoleSpecToJson(spec.Role(role));
  result["router"] = RouterSpecToJson(spec.router);
  return result;
}

json ModelDeploymentStatusToJson(const ModelDeploymentStatus& status) {
  json result = {{"observedGeneration", status.observed_generation}};
  for (const auto& [role, counts] : status.roles) {
    result[RoleKey(role)] = {
        {"desired", counts.desired},
        {"replicas", counts.replicas},
        {"ready", counts.ready},
        {"updated", counts.updated},
        {"summary", std::to_string(counts.ready) + "/" + std::to_string(counts.desired)}};
  }
  json workers = json::array();
  for (const WorkerStatusEntry& worker : status.workers) {
    json entry = {{"name", worker.name},   {"role", RoleKey(worker.role)},
                  {"node", worker.node},   {"partitions", worker.partitions},
                  {"url", worker.url},     {"state", worker.state},
                  {"ready", worker.ready}, {"updated", worker.updated}};
    if (worker.bootstrap_port) entry["bootstrapPort"] = *worker.bootstrap_port;
    workers.push_back(std::move(entry));
  }
  result["workers"] = std::move(workers);
  if (!status.endpoint.empty()) result["endpoint"] = status.endpoint;
  json conditions = json::array();
  for (const Condition& condition : status.conditions) {
    conditions.push_back(ConditionToJson(condition));
  }
  result["conditions"] = std::move(conditions);
  return result;
}

ModelDeploymentStatus ModelDeploymentStatusFromJson(const json& object) {
  ModelDeploymentStatus status;
  if (!object.is_object()) return status;
  if (const auto generation = object.find("observedGeneration");
      generation != object.end() && generation->is_number_integer()) {
    status.observed_generation = generation->get<int64_t>();
  }
  for (WorkerRole role :
       {WorkerRole::kAggregated, WorkerRole::kPrefill, WorkerRole::kDecode, WorkerRole::kRouter}) {
    const auto counts = object.find(RoleKey(role));
    if (counts == object.end() || !counts->is_object()) continue;
    status.roles[role] = {.desired = IntField(*counts, "desired"),
                          .replicas = IntField(*counts, "replicas"),
                          .ready = IntField(*counts, "ready"),
                          .updated = IntField(*counts, "updated")};
  }
  if (const auto workers = object.find("workers"); workers != object.end() && workers->is_array()) {
    for (const json& entry : *workers) {
      if (!entry.is_object()) continue;
      WorkerStatusEntry worker;
      worker.name = StringField(entry, "name");
      const std::string role = StringField(entry, "role");
      worker.role = role == "prefill"  ? WorkerRole::kPrefill
                    : role == "decode" ? WorkerRole::kDecode
                    : role == "router" ? WorkerRole::kRouter
                                       : WorkerRole::kAggregated;
      worker.node = StringField(entry, "node");
      worker.url = StringField(entry, "url");
      worker.state = StringField(entry, "state");
      if (const auto partitions = entry.find("partitions");
          partitions != entry.end() && partitions->is_array()) {
        for (const json& partition : *partitions) {
          if (partition.is_number_integer()) worker.partitions.push_back(partition.get<int>());
        }
      }
      if (const auto ready = entry.find("ready"); ready != entry.end() && ready->is_boolean()) {
        worker.ready = ready->get<bool>();
      }
      if (const auto updated = entry.find("updated");
          updated != entry.end() && updated->is_boolean()) {
        worker.updated = updated->get<bool>();
      }
      if (const auto port = entry.find("bootstrapPort");
          port != entry.end() && port->is_number_integer()) {
        worker.bootstrap_port = port->get<int>();
      }
      status.workers.push_back(std::move(worker));
    }
  }
  status.endpoint = StringField(object, "endpoint");
  if (const auto conditions = object.find("conditions"); conditions != object.end()) {
    status.conditions = ConditionsFromJson(*conditions);
  }
  return status;
}

}  // namespace tessera::resources
