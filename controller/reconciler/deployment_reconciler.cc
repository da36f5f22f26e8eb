#include "controller/reconciler/deployment_reconciler.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "base/strings.h"
#include "controller/placement/partition_placer.h"
#include "controller/placement/worker_requirements.h"
#include "controller/reconciler/role_plan.h"
#include "controller/reconciler/worker_naming.h"
#include "controller/reconciler/worker_template.h"

namespace tessera::controller {
namespace {

using resources::Condition;
using resources::ModelDeploymentStatus;
using wire::WorkerRole;

constexpr std::array<WorkerRole, 3> kAllRoles = {WorkerRole::kAggregated, WorkerRole::kPrefill,
                                                 WorkerRole::kDecode};
constexpr std::chrono::milliseconds kWaitForSync{1000};
constexpr std::chrono::milliseconds kWaitForDrain{1000};
constexpr int kDefaultGraceSeconds = 30;

struct OwnedWorker {
  const NodeView* node = nullptr;
  const ObservedWorker* worker = nullptr;
  std::optional<ParsedWorkerId> id{};

  // Counts toward the role: not on a lost node and not on its way out.
  bool Live() const { return node->health != NodeHealth::kLost && !worker->Terminating(); }
  bool Ready() const { return node->health == NodeHealth::kReachable && worker->Ready(); }
};

std::string PartitionList(const std::vector<int>& partitions) {
  if (partitions.empty()) return "";
  const bool contiguous =
      partitions.back() - partitions.front() + 1 == static_cast<int>(partitions.size());
  if (contiguous && partitions.size() > 2) {
    return std::to_string(partitions.front()) + "-" + std::to_string(partitions.back());
  }
  return Join(partitions, ",");
}

}  // namespace

struct DeploymentReconciler::Pass {
  resources::ObjectKey key;
  std::shared_ptr<const FleetView> fleet;
  std::optional<DeploymentRecord> record;
  std::vector<OwnedWorker> owned;
  std::optional<StatusOr<model::ModelArchitecture>> model;
  // What this pass found, for the conditions.
  std::vector<std::pair<std::string, std::string>> unschedulable;  // reason, message
  std::vector<std::string> agent_errors;
  int created = 0;
  int removed = 0;
  // The template hash of each role the deployment's mode runs.
  std::map<WorkerRole, std::string> hashes;

  const ObservedWorker* Find(const std::string& id, const NodeView** node) const {
    for (const OwnedWorker& owned_worker : owned) {
      if (owned_worker.worker->id == id) {
        *node = owned_worker.node;
        return owned_worker.worker;
      }
    }
    return nullptr;
  }
};

DeploymentReconciler::DeploymentReconciler(DeploymentStore& store, FleetMonitor& fleet,
                                           AgentApi& agents, const Clock& clock,
                                           ReconcilerOptions options, Logger logger)
    : store_(store),
      fleet_(fleet),
      agents_(agents),
      clock_(clock),
      options_(std::move(options)),
      logger_(std::move(logger)) {}

std::vector<resources::ObjectKey> DeploymentReconciler::AllKeys() const {
  std::set<resources::ObjectKey> keys;
  for (resources::ObjectKey& key : store_.Keys()) keys.insert(std::move(key));
  const std::shared_ptr<const FleetView> fleet = fleet_.Snapshot();
  for (const std::shared_ptr<const NodeView>& node : fleet->nodes()) {
    for (const ObservedWorker& worker : node->workers) {
      if (worker.spec.managed_by == options_.controller_name) {
        keys.insert({worker.spec.namespace_name, worker.spec.deployment});
      }
    }
  }
  return {keys.begin(), keys.end()};
}

void DeploymentReconciler::Collect(Pass& pass) const {
  pass.owned.clear();
  for (const WorkerRef& ref : pass.fleet->WorkersOf(pass.key.namespace_name, pass.key.name)) {
    if (ref.worker->spec.managed_by == options_.controller_name) {
      pass.owned.push_back(
          {.node = ref.node, .worker = ref.worker, .id = ParseWorkerId(ref.worker->id)});
    }
  }
}

ReconcileResult DeploymentReconciler::Reconcile(const resources::ObjectKey& key) {
  if (!store_.Synced()) return {.status = OkStatus(), .requeue_after = kWaitForSync};
  Pass pass;
  pass.key = key;
  pass.fleet = fleet_.Snapshot();
  // A node not heard from yet may run this deployment's workers.
  if (!pass.fleet->Synced()) return {.status = OkStatus(), .requeue_after = kWaitForSync};
  pass.record = store_.Get(key);
  Collect(pass);
  if (Status synced = store_.SyncScaleTargets(key, pass.record ? &*pass.record : nullptr);
      !synced.ok()) {
    return {.status = synced};
  }
  if (!pass.record || pass.record->metadata.deletion_timestamp) return TearDown(pass);
  if (pass.record->spec) {
    for (WorkerRole role : pass.record->spec->Roles()) {
      pass.hashes[role] = TemplateHash(WorkerTemplate(pass.record->metadata, *pass.record->spec,
                                                      role, options_.controller_name));
    }
    if (!pass.record->metadata.HasFinalizer(kWorkersFinalizer)) {
      if (Status added = store_.AddFinalizer(*pass.record); !added.ok()) return {.status = added};
    }
    ReconcileRoles(pass);
    if (pass.created + pass.removed > 0) {
      pass.fleet = fleet_.Snapshot();
      Collect(pass);
    }
  }
  WriteStatus(pass);
  if (!pass.agent_errors.empty()) {
    return {.status = UnavailableError(pass.agent_errors.front())};
  }
  return {.status = OkStatus()};
}

void DeploymentReconciler::ReconcileRoles(Pass& pass) {
  for (WorkerRole role : kAllRoles) ReconcileRole(pass, role);
}

void DeploymentReconciler::ReconcileRole(Pass& pass, WorkerRole role) {
  const resources::ModelDeploymentSpec& spec = *pass.record->spec;
  const std::vector<WorkerRole> roles = spec.Roles();
  const bool in_mode = std::find(roles.begin(), roles.end(), role) != roles.end();
  const std::string prefix =
      WorkerIdPrefix(pass.key.namespace_name, pass.key.name, resources::RoleKey(role));
  const std::string hash = in_mode ? TemplateHash(WorkerTemplate(pass.record->metadata, spec, role,
                                                                 options_.controller_name))
                                   : std::string();
  std::vector<RoleWorker> live;
  std::set<std::string> outdated;
  for (const OwnedWorker& owned : pass.owned) {
    if (owned.worker->spec.role != role || !owned.Live()) continue;
    const bool updated = owned.id && owned.id->prefix == prefix && owned.id->template_hash == hash;
    if (!updated) outdated.insert(owned.worker->id);
    live.push_back({.id = owned.worker->id,
                    .updated = updated,
                    .ready = owned.Ready(),
                    .load = owned.worker->in_flight.value_or(0),
                    .ordinal = owned.id ? owned.id->ordinal : 0});
  }
  const RolePlan plan = PlanRole(live, in_mode ? spec.Role(role).replicas : 0, spec.rollout);
  for (const std::string& id : plan.remove) {
    RemoveWorker(pass, id, spec.rollout.drain_grace_seconds,
                 !in_mode                ? "its role is not in the deployment's mode"
                 : outdated.contains(id) ? "replaced by the current spec"
                                         : "scaled down");
  }
  if (plan.create > 0) CreateWorkers(pass, role, plan.create);
}

void DeploymentReconciler::CreateWorkers(Pass& pass, WorkerRole role, int count) {
  const DeploymentRecord& record = *pass.record;
  const resources::ModelDeploymentSpec& spec = *record.spec;
  const std::string role_key(resources::RoleKey(role));
  if (!pass.model) pass.model = ResolveDeploymentModel(spec);
  if (!pass.model->ok()) {
    const Status& error = pass.model->status();
    pass.unschedulable.emplace_back(
        error.code() == StatusCode::kNotFound ? "ModelUnknown" : "InvalidSpec", error.message());
    return;
  }
  StatusOr<WorkerRequirement> requirement = RequirementFor(**pass.model, spec, role);
  if (!requirement.ok()) {
    pass.unschedulable.emplace_back("InvalidSpec", requirement.status().message());
    return;
  }
  PlacementRequest request{.role = role_key,
                           .tensor_parallel_size = requirement->tensor_parallel_size,
                           .min_partition_vram_bytes = requirement->min_partition_vram_bytes,
                           .compute_partition = spec.placement.compute_partition,
                           .memory_partition = spec.placement.memory_partition,
                           .node_selector = spec.placement.node_selector,
                           .spread = spec.placement.spread,
                           .replicas_per_node = {}};
  wire::WorkerSpec worker_template =
      WorkerTemplate(record.metadata, spec, role, options_.controller_name);
  const std::string prefix = WorkerIdPrefix(pass.key.namespace_name, pass.key.name, role_key);
  const std::string& hash = pass.hashes.at(role);
  std::set<int> ordinals;
  for (const OwnedWorker& owned : pass.owned) {
    if (owned.worker->spec.role != role) continue;
    if (owned.Live()) ++request.replicas_per_node[owned.node->name];
    if (owned.id && owned.id->prefix == prefix && owned.id->template_hash == hash) {
      ordinals.insert(owned.id->ordinal);
    }
  }
  if (!placer_ || placer_fleet_->poll() != pass.fleet->poll()) {
    placer_fleet_ = pass.fleet;
    placer_ = std::make_unique<PartitionPlacer>(*placer_fleet_);
  }
  for (int created = 0; created < count; ++created) {
    PlacementResult placed = placer_->Place(request);
    if (!placed.choice) {
      std::string message = placed.failure.message;
      if (placed.failure.reason == "ModelTooLarge") {
        int64_t largest = 0;
        for (const std::shared_ptr<const NodeView>& node : pass.fleet->nodes()) {
          for (const PartitionView& partition : node->partitions) {
            largest = std::max(largest, partition.vram_bytes);
          }
        }
        if (const std::optional<int> fitting =
                SmallestFittingTensorParallelSize(**pass.model, spec, largest, 64)) {
          message += "; it fits at tensorParallelSize " + std::to_string(*fitting);
        }
      }
      pass.unschedulable.emplace_back(placed.failure.reason, message);
      return;
    }
    int ordinal = 0;
    while (ordinals.contains(ordinal)) ++ordinal;
    ordinals.insert(ordinal);
    const std::string id = WorkerId(prefix, hash, ordinal);
    wire::WorkerSpec worker = worker_template;
    worker.partitions = placed.choice->partitions;
    const NodeView* node = pass.fleet->FindNode(placed.choice->node);
    StatusOr<ObservedWorker> put = agents_.PutWorker(node->endpoint, id, worker);
    if (!put.ok()) {
      pass.agent_errors.push_back("starting " + id + " on " + node->name + ": " +
                                  put.status().message());
      return;
    }
    fleet_.RecordPut(node->name, *put);
    ++pass.created;
    ++request.replicas_per_node[node->name];
    const std::string partitions = PartitionList(worker.partitions);
    logger_.Info("worker created", {{"deployment", pass.key.ToString()},
                                    {"worker", id},
                                    {"node", node->name},
                                    {"partitions", partitions}});
    std::string message = role_key;
    message.append(" worker ").append(id).append(" on ").append(node->name);
    message.append(", partitions ").append(partitions);
    store_.RecordEvent(record, EventType::kNormal, "WorkerCreated", message);
  }
}

void DeploymentReconciler::RemoveWorker(Pass& pass, const std::string& id, int grace_seconds,
                                        std::string_view why) {
  const NodeView* node = nullptr;
  const ObservedWorker* worker = pass.Find(id, &node);
  if (worker == nullptr) return;
  if (Status deleted = agents_.DeleteWorker(node->endpoint, id, grace_seconds); !deleted.ok()) {
    pass.agent_errors.push_back("removing " + id + " from " + node->name + ": " +
                                deleted.message());
    return;
  }
  fleet_.RecordRemoval(node->name, id);
  ++pass.removed;
  logger_.Info(
      "worker removed",
      {{"deployment", pass.key.ToString()}, {"worker", id}, {"node", node->name}, {"why", why}});
  if (pass.record) {
    store_.RecordEvent(*pass.record, EventType::kNormal, "WorkerRemoved",
                       std::string(resources::RoleKey(worker->spec.role)) + " worker " + id +
                           " on " + node->name + ": " + std::string(why));
  }
}

ReconcileResult DeploymentReconciler::TearDown(Pass& pass) {
  const int grace = pass.record && pass.record->spec
                        ? pass.record->spec->rollout.drain_grace_seconds
                        : kDefaultGraceSeconds;
  std::vector<std::string> removable;
  for (const OwnedWorker& owned : pass.owned) {
    if (owned.node->health == NodeHealth::kReachable && !owned.worker->Terminating()) {
      removable.push_back(owned.worker->id);
    }
  }
  for (const std::string& id : removable) {
    RemoveWorker(pass, id, grace, "the deployment was deleted");
  }
  if (pass.removed > 0) {
    pass.fleet = fleet_.Snapshot();
    Collect(pass);
  }
  // Workers on lost nodes cannot be reached; the surplus check removes them
  // if their node comes back.
  const bool drained = std::none_of(
      pass.owned.begin(), pass.owned.end(),
      [](const OwnedWorker& owned) { return owned.node->health != NodeHealth::kLost; });
  if (!pass.record) {
    return {.status = OkStatus(),
            .requeue_after = drained ? std::nullopt : std::optional(kWaitForDrain)};
  }
  WriteStatus(pass);
  if (drained && pass.record->metadata.HasFinalizer(kWorkersFinalizer)) {
    if (Status removed = store_.RemoveFinalizer(*pass.record); !removed.ok()) {
      return {.status = removed};
    }
    logger_.Info("deployment's workers drained; finalizer removed",
                 {{"deployment", pass.key.ToString()}});
  }
  return {.status = OkStatus(),
          .requeue_after = drained ? std::nullopt : std::optional(kWaitForDrain)};
}

void DeploymentReconciler::WriteStatus(Pass& pass) {
  DeploymentRecord& record = *pass.record;
  ModelDeploymentStatus status;
  status.observed_generation = record.metadata.generation;
  status.conditions = record.status.conditions;
  const auto now = clock_.WallNow();
  const int64_t generation = record.metadata.generation;
  auto set = [&](const std::string& type, bool value, const std::string& reason,
                 const std::string& message) {
    const Condition* before = resources::FindCondition(status.conditions, type);
    const bool was_true = before != nullptr && before->status == "True";
    resources::SetCondition(status.conditions,
                            {.type = type,
                             .status = value ? "True" : "False",
                             .reason = reason,
                             .message = message,
                             .observed_generation = generation,
                             .last_transition_time = {}},
                            now);
    // Failures are announced once, when they begin.
    const bool bad = type == "Degraded" || type == "Unschedulable";
    if (bad && value && !was_true) {
      store_.RecordEvent(record, EventType::kWarning, reason, message);
    }
  };

  std::vector<const OwnedWorker*> workers;
  workers.reserve(pass.owned.size());
  for (const OwnedWorker& owned : pass.owned) workers.push_back(&owned);
  std::sort(workers.begin(), workers.end(), [](const OwnedWorker* a, const OwnedWorker* b) {
    return a->worker->id < b->worker->id;
  });
  const std::map<WorkerRole, std::string>& hashes = pass.hashes;
  std::vector<std::string> crash_loops;
  std::map<std::string, int> lost_nodes;
  for (const OwnedWorker* owned : workers) {
    const ObservedWorker& worker = *owned->worker;
    const auto hash = hashes.find(worker.spec.role);
    const bool updated =
        hash != hashes.end() && owned->id &&
        owned->id->prefix == WorkerIdPrefix(pass.key.namespace_name, pass.key.name,
                                            resources::RoleKey(worker.spec.role)) &&
        owned->id->template_hash == hash->second;
    const bool lost = owned->node->health == NodeHealth::kLost;
    status.workers.push_back(
        {.name = worker.id,
         .role = worker.spec.role,
         .node = owned->node->name,
         .partitions = worker.spec.partitions,
         .url = worker.url,
         .bootstrap_port = worker.bootstrap_port,
         .state = lost ? "unknown" : std::string(wire::WorkerStateName(worker.state)),
         .ready = owned->Ready(),
         .updated = updated});
    if (lost) ++lost_nodes[owned->node->name];
    if (worker.crash_loop && !lost) {
      crash_loops.push_back(worker.id + " on " + owned->node->name + ": " + worker.reason);
    }
    if (!owned->Live() || hash == hashes.end()) continue;
    resources::RoleStatus& counts = status.roles[worker.spec.role];
    ++counts.replicas;
    if (updated) ++counts.updated;
    if (owned->Ready()) ++counts.ready;
  }

  std::vector<std::string> not_ready;
  std::vector<std::string> progress;
  bool scaling_up = false;
  bool scaling_down = false;
  bool rolling = false;
  if (record.spec) {
    for (WorkerRole role : record.spec->Roles()) {
      resources::RoleStatus& counts = status.roles[role];
      counts.desired = record.spec->Role(role).replicas;
      const std::string role_key(resources::RoleKey(role));
      if (counts.ready < counts.desired || counts.replicas != counts.desired) {
        not_ready.push_back(role_key + ": " + std::to_string(counts.ready) + " of " +
                            std::to_string(counts.desired) + " ready");
      }
      if (counts.replicas != counts.desired) {
        (counts.replicas < counts.desired ? scaling_up : scaling_down) = true;
        progress.push_back(role_key + ": " + std::to_string(counts.replicas) + " → " +
                           std::to_string(counts.desired) + " workers");
      }
      if (counts.updated < counts.replicas) {
        rolling = true;
        progress.push_back(role_key + ": " + std::to_string(counts.updated) + " of " +
                           std::to_string(counts.replicas) + " updated");
      } else if (counts.ready < counts.replicas) {
        progress.push_back(role_key + ": " + CountOf(counts.replicas - counts.ready, "worker") +
                           " starting");
      }
    }
  }

  const bool deleting = record.metadata.deletion_timestamp.has_value();
  if (deleting) {
    const auto remaining = std::count_if(
        pass.owned.begin(), pass.owned.end(),
        [](const OwnedWorker& owned) { return owned.node->health != NodeHealth::kLost; });
    set("Ready", false, "Deleting", "draining " + CountOf(remaining, "worker"));
    set("Progressing", remaining > 0, remaining > 0 ? "ScalingDown" : "Complete",
        remaining > 0 ? "removing every worker" : "every worker removed");
  } else if (!record.spec) {
    set("Ready", false, "InvalidSpec", record.error.message());
    set("Unschedulable", true, "InvalidSpec", record.error.message());
  } else {
    if (!pass.unschedulable.empty()) {
      std::vector<std::string> messages;
      messages.reserve(pass.unschedulable.size());
      for (const auto& [reason, message] : pass.unschedulable) messages.push_back(message);
      set("Unschedulable", true, pass.unschedulable.front().first, Join(messages, "; "));
    } else {
      set("Unschedulable", false, "AllPlaced", "every desired worker has partitions");
    }
    std::vector<std::string> degraded;
    std::string degraded_reason = "AsExpected";
    if (!record.error.ok()) {
      degraded_reason = "InvalidSpec";
      degraded.push_back("the manifest is invalid, the last valid spec keeps running: " +
                         record.error.message());
    }
    if (!crash_loops.empty()) {
      if (degraded.empty()) degraded_reason = "CrashLoop";
      degraded.push_back("crash loop: " + Join(crash_loops, "; "));
    }
    for (const auto& [node, count] : lost_nodes) {
      if (degraded.empty()) degraded_reason = "NodeLost";
      degraded.push_back("node " + node + " is lost with " + CountOf(count, "worker") +
                         "; they are replaced elsewhere");
    }
    if (!pass.agent_errors.empty()) {
      if (degraded.empty()) degraded_reason = "AgentError";
      degraded.push_back(Join(pass.agent_errors, "; "));
    }
    set("Degraded", !degraded.empty(), degraded_reason,
        degraded.empty() ? "no worker is failing" : Join(degraded, "; "));
    const auto draining =
        std::count_if(pass.owned.begin(), pass.owned.end(), [](const OwnedWorker& owned) {
          return owned.node->health != NodeHealth::kLost && owned.worker->Terminating();
        });
    if (draining > 0) progress.push_back("draining " + CountOf(draining, "worker"));
    const bool progressing = !progress.empty() || pass.created + pass.removed > 0;
    set("Progressing", progressing,
        !progressing   ? "Complete"
        : rolling      ? "RollingOut"
        : scaling_up   ? "ScalingUp"
        : scaling_down ? "ScalingDown"
        : draining > 0 ? "Draining"
                       : "Starting",
        progressing ? (progress.empty() ? "applying changes" : Join(progress, "; "))
                    : "every worker runs the current spec");
    const bool ready = not_ready.empty();
    const Condition* before = resources::FindCondition(status.conditions, "Ready");
    const bool was_ready = before != nullptr && before->status == "True";
    set("Ready", ready, ready ? "AllReady" : "WorkersNotReady",
        ready ? "every role has its desired workers ready" : Join(not_ready, "; "));
    if (ready && !was_ready) {
      store_.RecordEvent(record, EventType::kNormal, "Ready",
                         "every role has its desired workers ready");
    }
  }

  if (status == record.status) return;
  if (Status written = store_.WriteStatus(record, status); !written.ok()) {
    logger_.Warning("status not written",
                    {{"deployment", pass.key.ToString()}, {"error", written}});
    return;
  }
  record.status = std::move(status);
}

}  // namespace tessera::controller
