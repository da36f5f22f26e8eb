// ModelDeployment (serving.tessera.io/v1alpha1): what a user asks Tessera to
// serve. docs/resources.md is the reference; this header is its C++ shape and
// the one parser both stores use, so a manifest read from a directory and an
// object read from the Kubernetes API are judged by the same rules.

#ifndef TESSERA_RESOURCES_MODEL_DEPLOYMENT_H_
#define TESSERA_RESOURCES_MODEL_DEPLOYMENT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "hardware/partition_mode.h"
#include "resources/condition.h"
#include "resources/object_meta.h"
#include "resources/router_spec.h"
#include "wire/engine_kind.h"
#include "wire/worker_role.h"
#include "wire/worker_spec.h"

namespace tessera::resources {

inline constexpr std::string_view kModelDeploymentKind = "ModelDeployment";
inline constexpr std::string_view kModelDeploymentPlural = "modeldeployments";

enum class DeploymentMode { kAggregated, kDisaggregated };
std::string_view DeploymentModeName(DeploymentMode mode);

// The key of a role in spec and status: "worker" for aggregated workers,
// "prefill", "decode", "router".
std::string_view RoleKey(wire::WorkerRole role);

// An architecture given in the manifest, for models outside Tessera's
// catalog. Optional fields take the defaults docs/resources.md lists.
struct ArchitectureSpec {
  int64_t parameters = 0;
  int layers = 0;
  int hidden_size = 0;
  int attention_heads = 0;
  int kv_heads = 0;
  std::optional<int> head_dim{};
  std::optional<int> intermediate_size{};
  std::optional<int> vocab_size{};
  std::optional<int> max_context_length{};
  std::string dtype = "bfloat16";
  friend bool operator==(const ArchitectureSpec&, const ArchitectureSpec&) = default;
};

struct ModelSpec {
  std::string source{};       // what the engine loads: a Hugging Face id or a path on the node
  std::string served_name{};  // empty: metadata.name
  std::optional<ArchitectureSpec> architecture{};
  // The weight type to serve in: "fp8" quantizes a checkpoint that does not
  // ship in FP8 as it loads (a checkpoint that does keeps its own scales);
  // "bfloat16" or "float16" is the type the engine computes in. Unset: as
  // the checkpoint ships.
  std::optional<std::string> dtype{};
  friend bool operator==(const ModelSpec&, const ModelSpec&) = default;
};

struct EngineSpec {
  wire::EngineKind kind = wire::EngineKind::kVllm;
  std::optional<std::string> kv_cache_dtype{};
  std::optional<int> max_model_len{};
  std::optional<double> gpu_memory_utilization{};
  std::optional<bool> enable_prefix_caching{};
  std::optional<wire::SpeculativeDecoding> speculative{};
  std::optional<int> num_scheduler_steps{};  // vLLM V0 multi-step scheduling
  // Tokens one scheduler step may batch: the chunked-prefill budget.
  std::optional<int64_t> max_num_batched_tokens{};
  int concurrency = 1;  // full-length sequences each worker's KV cache must hold
  std::optional<int> startup_timeout_seconds{};
  // Flags from the engine's allow-list (wire/engine_arguments.h).
  std::vector<std::string> extra_args{};
  std::map<std::string, std::string> env{};
  friend bool operator==(const EngineSpec&, const EngineSpec&) = default;
};

struct RoleSpec {
  int replicas = 0;
  int tensor_parallel_size = 1;
  int pipeline_parallel_size = 1;
  // Each worker holds one partition per rank.
  int Partitions() const { return tensor_parallel_size * pipeline_parallel_size; }
  friend bool operator==(const RoleSpec&, const RoleSpec&) = default;
};

struct PlacementSpec {
  std::optional<hardware::ComputePartition> compute_partition{};
  std::optional<hardware::MemoryPartition> memory_partition{};
  std::map<std::string, std::string> node_selector{};
  bool spread = true;
  friend bool operator==(const PlacementSpec&, const PlacementSpec&) = default;
};

struct RolloutSpec {
  int max_surge = 1;
  int max_unavailable = 0;
  int drain_grace_seconds = 30;
  // A rollout or scale that makes no progress (no worker created, removed,
  // ready or updated) for this long is reported stuck: Progressing False,
  // ProgressDeadlineExceeded, as a Deployment's progressDeadlineSeconds.
  int progress_deadline_seconds = 600;
  friend bool operator==(const RolloutSpec&, const RolloutSpec&) = default;
};

struct ModelDeploymentSpec {
  ModelSpec model{};
  EngineSpec engine{};
  DeploymentMode mode = DeploymentMode::kAggregated;
  std::optional<RoleSpec> worker{};
  std::optional<RoleSpec> prefill{};
  std::optional<RoleSpec> decode{};
  PlacementSpec placement{};
  RolloutSpec rollout{};
  RouterSpec router{};

  // The engine roles the mode runs, in a fixed order: {aggregated} or
  // {prefill, decode}. Parsing guarantees each has its RoleSpec.
  std::vector<wire::WorkerRole> Roles() const;
  // Roles() and then the router: every role the controller keeps workers of.
  std::vector<wire::WorkerRole> ManagedRoles() const;
  // Precondition: `role` is one of Roles().
  const RoleSpec& Role(wire::WorkerRole role) const;
  RoleSpec& Role(wire::WorkerRole role);
  // How many workers of `role` the spec asks for: 0 for an engine role the
  // mode does not run.
  int Replicas(wire::WorkerRole role) const;
  bool Disaggregated() const { return mode == DeploymentMode::kDisaggregated; }
  friend bool operator==(const ModelDeploymentSpec&, const ModelDeploymentSpec&) = default;
};

struct RoleStatus {
  int desired = 0;
  int replicas = 0;  // on reachable nodes and not being removed
  int ready = 0;
  int updated = 0;  // running the current spec
  friend bool operator==(const RoleStatus&, const RoleStatus&) = default;
};

struct WorkerStatusEntry {
  std::string name{};
  wire::WorkerRole role = wire::WorkerRole::kAggregated;
  std::string node{};
  std::vector<int> partitions{};
  std::string url{};
  std::optional<int> bootstrap_port{};
  std::string state{};  // the agent's worker state, or "unknown" on a lost node
  bool ready = false;
  bool updated = false;
  friend bool operator==(const WorkerStatusEntry&, const WorkerStatusEntry&) = default;
};

struct ModelDeploymentStatus {
  int64_t observed_generation = 0;
  std::map<wire::WorkerRole, RoleStatus> roles{};
  std::vector<WorkerStatusEntry> workers{};
  // The URL of a ready router: where OpenAI clients send requests. Empty
  // while none is ready.
  std::string endpoint{};
  std::vector<Condition> conditions{};
  friend bool operator==(const ModelDeploymentStatus&, const ModelDeploymentStatus&) = default;
};

struct ModelDeployment {
  ObjectMeta metadata{};
  ModelDeploymentSpec spec{};
  ModelDeploymentStatus status{};

  // The name clients send in OpenAI requests.
  const std::string& ServedName() const;
};

// Reads and validates `spec`. Errors are InvalidArgument naming the field
// path from `spec` ("spec.prefill: is required in disaggregated mode").
// Unknown fields are errors.
StatusOr<ModelDeploymentSpec> ModelDeploymentSpecFromJson(const nlohmann::json& spec_json);

// Reads a whole object: apiVersion, kind, metadata, spec and, when present,
// status (whose errors are ignored: status is the controller's own, and a
// damaged one is recomputed).
StatusOr<ModelDeployment> ModelDeploymentFromJson(const nlohmann::json& object);

nlohmann::json ModelDeploymentSpecToJson(const ModelDeploymentSpec& spec);
nlohmann::json ModelDeploymentStatusToJson(const ModelDeploymentStatus& status);
ModelDeploymentStatus ModelDeploymentStatusFromJson(const nlohmann::json& object);

}  // namespace tessera::resources

#endif  // TESSERA_RESOURCES_MODEL_DEPLOYMENT_H_
