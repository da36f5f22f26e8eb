#include "controller/reconciler/deployment_reconciler.h"

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include "base/backoff.h"
#include "base/strings.h"
#include "base/time_format.h"
#include "base/units.h"
#include "controller/placement/partition_placer.h"
#include "controller/placement/router_placer.h"
#include "controller/placement/worker_requirements.h"
#include "controller/reconciler/role_plan.h"
#include "controller/reconciler/worker_naming.h"
#include "controller/reconciler/worker_template.h"
#include "http/http_url.h"

namespace tessera::controller {
namespace {

using resources::Condition;
using resources::ModelDeploymentStatus;
using wire::WorkerRole;

constexpr std::array<WorkerRole, 4> kAllRoles = {WorkerRole::kAggregated, WorkerRole::kPrefill,
                                                 WorkerRole::kDecode, WorkerRole::kRouter};
constexpr std::chrono::milliseconds kWaitForSync{1000};
constexpr std::chrono::milliseconds kWaitForDrain{1000};
constexpr int kDefaultGraceSeconds = 30;
constexpr BackoffPolicy kRefusalBackoff{.initial = std::chrono::seconds(10),
                                        .factor = 2.0,
                                        .jitter = 0.0,
                                        .cap = std::chrono::minutes(5),
                                        .steps = std::numeric_limits<int>::max(),
                                        .reset_after = {}};
// A refusal older than this is forgotten: the next one starts the backoff
// over.
constexpr std::chrono::minutes kForgetRefusalAfter{15};

// The agent understood the PUT and refused it: asking again at once will
// not change its answer. Conflicts (409, a partition the view thought
// free) and unavailability are worth retrying at once.
bool IsRefusal(StatusCode code) {
  return code == StatusCode::kInvalidArgument || code == StatusCode::kPermissionDenied ||
         code == StatusCode::kFailedPrecondition || code == StatusCode::kUnimplemented;
}

struct OwnedWorker {
  const NodeView* node = nullptr;
  const ObservedWorker* worker = nullptr;
  std::optional<ParsedWorkerId> id{};

  // Counts toward the role: not on a lost node and not on its way out.
  bool Lost() const { return node->health == NodeHealth::kLost; }
  bool Live() const { return !Lost() && !worker->Terminating(); }
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
  // Some desired workers have partitions but their agents did not start
  // them (transient errors, in agent_errors).
  bool start_failed = false;
  // The earliest refusal's backoff ends after this long.
  std::optional<std::chrono::milliseconds> retry_after;
  int created = 0;
  int removed = 0;
  // The template hash of each role the deployment's mode runs.
  std::map<WorkerRole, std::string> hashes;
  // Routers that hold the current membership (RouterFeeder).
  std::set<std::string> fed_routers;

  // Ready as the status counts it: a router also has to know its workers.
  bool Ready(const OwnedWorker& owned_worker) const {
    return owned_worker.Ready() && (owned_worker.worker->spec.role != WorkerRole::kRouter ||
                                    fed_routers.contains(owned_worker.worker->id));
  }

  // Where clients reach the ready routers, for the store's Service.
  std::vector<RouterAddress> RouterAddresses() const {
    std::vector<RouterAddress> addresses;
    for (const OwnedWorker& candidate : owned) {
      if (candidate.worker->spec.role != WorkerRole::kRouter || !Ready(candidate)) continue;
      // Agents advertise http://<host>:<port>; anything else has no address to list.
      if (StatusOr<http::HttpUrl> url = http::ParseHttpUrl(candidate.worker->url); url.ok()) {
        addresses.push_back({.host = url->host, .port = url->port});
      }
    }
    std::sort(addresses.begin(), addresses.end());
    return addresses;
  }

  // The URL of the ready router that has been ready longest: the same one,
  // pass after pass, for as long as it stays ready.
  std::string Endpoint() const {
    const ObservedWorker* best = nullptr;
    for (const OwnedWorker& candidate : owned) {
      const ObservedWorker& router = *candidate.worker;
      if (router.spec.role != WorkerRole::kRouter || !Ready(candidate)) continue;
      if (best == nullptr ||
          std::tie(router.state_since, router.id) < std::tie(best->state_since, best->id)) {
        best = &router;
      }
    }
    return best == nullptr ? std::string() : best->url;
  }

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
                                           AgentApi& agents, RouterApi& routers, const Clock& clock,
                                           ReconcilerOptions options, Logger logger)
    : store_(store),
      fleet_(fleet),
      agents_(agents),
      clock_(clock),
      options_(std::move(options)),
      logger_(std::move(logger)),
      feeder_(routers, logger_) {}

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
    for (WorkerRole role : pass.record->spec->ManagedRoles()) {
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
  // A manifest that stopped parsing leaves its routers serving the workers
  // that keep running, and its Service where it is.
  FeedRouters(pass);
  WriteStatus(pass);
  if (pass.record->spec) {
    if (Status synced = store_.SyncEndpoint(key, &*pass.record, pass.RouterAddresses());
        !synced.ok()) {
      return {.status = synced};
    }
  }
  if (!pass.agent_errors.empty()) {
    return {.status = UnavailableError(pass.agent_errors.front())};
  }
  return {.status = OkStatus(), .requeue_after = pass.retry_after};
}

void DeploymentReconciler::ReconcileRoles(Pass& pass) {
  for (WorkerRole role : kAllRoles) {
    // Routers go last, and see the workers this pass started, to be placed
    // beside them.
    if (role == WorkerRole::kRouter && pass.created + pass.removed > 0) {
      pass.fleet = fleet_.Snapshot();
      Collect(pass);
    }
    ReconcileRole(pass, role);
  }
}

void DeploymentReconciler::FeedRouters(Pass& pass) {
  std::vector<WorkerRef> routers;
  std::vector<WorkerRef> workers;
  for (const OwnedWorker& owned : pass.owned) {
    if (!owned.Ready()) continue;
    (owned.worker->spec.role == WorkerRole::kRouter ? routers : workers)
        .push_back({.node = owned.node, .worker = owned.worker});
  }
  FeedResult fed = feeder_.Feed(pass.key, routers, MembershipOf(workers));
  pass.fed_routers = std::move(fed.fed);
  for (std::string& error : fed.errors) pass.agent_errors.push_back(std::move(error));
}

void DeploymentReconciler::ReconcileRole(Pass& pass, WorkerRole role) {
  const resources::ModelDeploymentSpec& spec = *pass.record->spec;
  const std::vector<WorkerRole> roles = spec.ManagedRoles();
  const bool in_mode = std::find(roles.begin(), roles.end(), role) != roles.end();
  const std::string prefix =
      WorkerIdPrefix(pass.key.namespace_name, pass.key.name, resources::RoleKey(role));
  const std::string hash = in_mode ? TemplateHash(WorkerTemplate(pass.record->metadata, spec, role,
                                                                 options_.controller_name))
                                   : std::string();
  std::vector<RoleWorker> live;
  std::set<std::string> outdated;
  std::map<std::string, std::string> returned;  // worker id → its node
  for (const OwnedWorker& owned : pass.owned) {
    if (owned.worker->spec.role != role || !owned.Live()) continue;
    const bool updated = owned.id && owned.id->prefix == prefix && owned.id->template_hash == hash;
    if (!updated) outdated.insert(owned.worker->id);
    if (owned.node->returned_after_loss) returned[owned.worker->id] = owned.node->name;
    live.push_back({.id = owned.worker->id,
                    .updated = updated,
                    .ready = owned.Ready(),
                    .load = owned.worker->in_flight.value_or(0),
                    .ordinal = owned.id ? owned.id->ordinal : 0,
                    .on_returned_node = owned.node->returned_after_loss});
  }
  const RolePlan plan = PlanRole(live, spec.Replicas(role), spec.rollout);
  for (const std::string& id : plan.remove) {
    std::string why = "scaled down";
    if (!in_mode) {
      why = "its role is not in the deployment's mode";
    } else if (outdated.contains(id)) {
      why = "replaced by the current spec";
    } else if (const auto node = returned.find(id); node != returned.end()) {
      why = node->second +
            " came back after being lost; the workers started in its place keep serving";
    }
    RemoveWorker(pass, id, spec.rollout.drain_grace_seconds, why);
  }
  if (plan.create > 0) CreateWorkers(pass, role, plan.create);
}

bool DeploymentReconciler::PrepareEnginePlacement(Pass& pass, WorkerRole role,
                                                  PlacementRequest& request) {
  const resources::ModelDeploymentSpec& spec = *pass.record->spec;
  if (!pass.model) pass.model = ResolveDeploymentModel(spec);
  if (!pass.model->ok()) {
    const Status& error = pass.model->status();
    pass.unschedulable.emplace_back(
        error.code() == StatusCode::kNotFound ? "ModelUnknown" : "InvalidSpec", error.message());
    return false;
  }
  StatusOr<WorkerRequirement> requirement = RequirementFor(**pass.model, spec, role);
  if (!requirement.ok()) {
    pass.unschedulable.emplace_back("InvalidSpec", requirement.status().message());
    return false;
  }
  request.partitions_per_worker = requirement->partitions;
  request.min_partition_vram_bytes = requirement->min_partition_vram_bytes;
  request.compute_partition = spec.placement.compute_partition;
  request.memory_partition = spec.placement.memory_partition;
  request.node_selector = spec.placement.node_selector;
  return true;
}

void DeploymentReconciler::CreateWorkers(Pass& pass, WorkerRole role, int count) {
  const DeploymentRecord& record = *pass.record;
  const resources::ModelDeploymentSpec& spec = *record.spec;
  const std::string role_key(resources::RoleKey(role));
  const bool router = role == WorkerRole::kRouter;
  PlacementRequest request{.role = role_key, .spread = spec.placement.spread};
  if (!router && !PrepareEnginePlacement(pass, role, request)) return;
  // Routers go where the deployment's engine workers are, when they can.
  std::set<std::string> worker_nodes;
  for (const OwnedWorker& owned : pass.owned) {
    if (owned.Live() && owned.worker->spec.role != WorkerRole::kRouter) {
      worker_nodes.insert(owned.node->name);
    }
  }
  // A router with nothing to route to waits for the first worker: a
  // deployment that cannot be placed at all runs nothing.
  const std::vector<WorkerRole> engine_roles = spec.Roles();
  const bool wants_workers =
      std::any_of(engine_roles.begin(), engine_roles.end(),
                  [&](WorkerRole engine_role) { return spec.Replicas(engine_role) > 0; });
  if (router && wants_workers && worker_nodes.empty()) return;
  wire::WorkerSpec worker_template =
      WorkerTemplate(record.metadata, spec, role, options_.controller_name);
  const std::string prefix = WorkerIdPrefix(pass.key.namespace_name, pass.key.name, role_key);
  const std::string& hash = pass.hashes.at(role);
  std::set<int> ordinals;
  // Workers of the role on lost nodes, which new workers replace; named in
  // the events so that a user can follow a worker from node to node.
  std::vector<const OwnedWorker*> lost;
  for (const OwnedWorker& owned : pass.owned) {
    if (owned.worker->spec.role != role) continue;
    if (owned.Live()) ++request.replicas_per_node[owned.node->name];
    if (owned.Lost() && !owned.worker->Terminating()) lost.push_back(&owned);
    if (owned.id && owned.id->prefix == prefix && owned.id->template_hash == hash) {
      ordinals.insert(owned.id->ordinal);
    }
  }
  std::sort(lost.begin(), lost.end(), [](const OwnedWorker* a, const OwnedWorker* b) {
    return a->worker->id < b->worker->id;
  });
  const std::chrono::steady_clock::time_point now = clock_.Now();
  std::vector<std::string> refusals;
  auto note_refusal = [&](const std::string& node, const Rejection& rejection) {
    request.excluded_nodes.insert(node);
    const auto wait =
        std::chrono::duration_cast<std::chrono::milliseconds>(rejection.retry_at - now);
    refusals.push_back(node + " refused it: " + rejection.message + " (tried again in " +
                       FormatDuration(wait) + ")");
    if (!pass.retry_after || wait < *pass.retry_after) pass.retry_after = wait;
  };
  for (auto it = rejections_.begin(); it != rejections_.end();) {
    const auto& [node, refused_hash] = it->first;
    if (now - it->second.retry_at >= kForgetRefusalAfter) {
      it = rejections_.erase(it);
      continue;
    }
    if (refused_hash == hash && now < it->second.retry_at) note_refusal(node, it->second);
    ++it;
  }
  if (!placer_ || placer_fleet_->poll() != pass.fleet->poll()) {
    placer_fleet_ = pass.fleet;
    placer_ = std::make_unique<PartitionPlacer>(*placer_fleet_);
  }
  for (int created = 0; created < count; ++created) {
    PlacementResult placed =
        router ? PlaceRouter(*pass.fleet, request, worker_nodes) : placer_->Place(request);
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
      if (!refusals.empty()) message += "; " + Join(refusals, "; ");
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
    if (!put.ok() && IsRefusal(put.status().code())) {
      Rejection& rejection = rejections_[{node->name, hash}];
      ++rejection.count;
      rejection.message = put.status().message();
      rejection.retry_at = now + BackoffWait(kRefusalBackoff, rejection.count - 1);
      logger_.Warning("agent refused a worker", {{"deployment", pass.key.ToString()},
                                                 {"worker", id},
                                                 {"node", node->name},
                                                 {"error", put.status()}});
      note_refusal(node->name, rejection);
      store_.RecordEvent(record, EventType::kWarning, "AgentRejected", refusals.back());
      // The same worker, on another node.
      ordinals.erase(ordinal);
      --created;
      continue;
    }
    if (!put.ok()) {
      pass.start_failed = true;
      pass.agent_errors.push_back("starting " + id + " on " + node->name + ": " +
                                  put.status().message());
      return;
    }
    rejections_.erase({node->name, hash});
    fleet_.RecordPut(node->name, *put);
    ++request.replicas_per_node[node->name];
    const std::string partitions = PartitionList(worker.partitions);
    logger_.Info("worker created", {{"deployment", pass.key.ToString()},
                                    {"worker", id},
                                    {"node", node->name},
                                    {"partitions", partitions}});
    std::string message = "started ";
    message.append(id).append(" on ").append(node->name);
    if (!partitions.empty()) message.append(" (partitions ").append(partitions).append(")");
    if (static_cast<size_t>(created) < lost.size()) {
      const OwnedWorker& replaced = *lost[static_cast<size_t>(created)];
      message.append(", replacing ").append(replaced.worker->id);
      message.append(" on lost node ").append(replaced.node->name);
    }
    ++pass.created;
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
                       "draining " + id + " on " + node->name + ": " + std::string(why));
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
  feeder_.Forget(pass.key);
  if (Status synced = store_.SyncEndpoint(pass.key, pass.record ? &*pass.record : nullptr, {});
      !synced.ok()) {
    return {.status = synced};
  }
  // Workers on lost nodes cannot be reached; the surplus check removes them
  // if their node comes back.
  const bool drained = std::none_of(pass.owned.begin(), pass.owned.end(),
                                    [](const OwnedWorker& owned) { return !owned.Lost(); });
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
  // Live workers whose node has stopped answering, not for long enough to
  // be lost: neither starting nor failing yet.
  std::map<std::string, int> unreachable_nodes;
  std::map<WorkerRole, int> unreachable_by_role;
  for (const OwnedWorker* owned : workers) {
    const ObservedWorker& worker = *owned->worker;
    const auto hash = hashes.find(worker.spec.role);
    const bool updated =
        hash != hashes.end() && owned->id &&
        owned->id->prefix == WorkerIdPrefix(pass.key.namespace_name, pass.key.name,
                                            resources::RoleKey(worker.spec.role)) &&
        owned->id->template_hash == hash->second;
    const bool lost = owned->Lost();
    status.workers.push_back(
        {.name = worker.id,
         .role = worker.spec.role,
         .node = owned->node->name,
         .partitions = worker.spec.partitions,
         .url = worker.url,
         .bootstrap_port = worker.bootstrap_port,
         .state = lost ? "unknown" : std::string(wire::WorkerStateName(worker.state)),
         .ready = pass.Ready(*owned),
         .updated = updated});
    if (lost) ++lost_nodes[owned->node->name];
    if (worker.crash_loop && !lost) {
      // The engine's last lines usually say why; without them the user would
      // need the agent's token to read its logs.
      std::string entry = worker.id + " on " + owned->node->name + ": " + worker.reason;
      if (!worker.last_output.empty()) entry += "; last output: " + Join(worker.last_output, " | ");
      crash_loops.push_back(std::move(entry));
    }
    if (!owned->Live() || hash == hashes.end()) continue;
    if (owned->node->health == NodeHealth::kUnreachable) {
      ++unreachable_nodes[owned->node->name];
      ++unreachable_by_role[worker.spec.role];
    }
    resources::RoleStatus& counts = status.roles[worker.spec.role];
    ++counts.replicas;
    if (updated) ++counts.updated;
    if (pass.Ready(*owned)) ++counts.ready;
  }
  status.endpoint = pass.Endpoint();

  std::vector<std::string> not_ready;
  std::vector<std::string> progress;
  bool scaling_up = false;
  bool scaling_down = false;
  bool rolling = false;
  if (record.spec) {
    for (WorkerRole role : record.spec->ManagedRoles()) {
      // A deployment without routers says nothing about them.
      if (role == WorkerRole::kRouter && record.spec->router.replicas == 0 &&
          !status.roles.contains(role)) {
        continue;
      }
      resources::RoleStatus& counts = status.roles[role];
      counts.desired = record.spec->Replicas(role);
      const std::string role_key(resources::RoleKey(role));
      // Ready means what `kubectl wait` promises after an edit: every
      // desired worker runs the current spec and is ready, and no other
      // worker remains.
      // A missing worker shows as not ready; "updated" names old workers.
      std::vector<std::string> shortfall;
      if (counts.updated < counts.desired && counts.updated < counts.replicas) {
        shortfall.push_back(std::to_string(counts.updated) + " of " +
                            std::to_string(counts.desired) + " updated");
      }
      if (counts.ready < counts.desired) {
        shortfall.push_back(std::to_string(counts.ready) + " of " + std::to_string(counts.desired) +
                            " ready");
      }
      if (shortfall.empty() && counts.replicas > counts.desired) {
        shortfall.push_back(CountOf(counts.replicas - counts.desired, "surplus worker") +
                            " still running");
      }
      if (!shortfall.empty()) not_ready.push_back(role_key + ": " + Join(shortfall, ", "));
      if (counts.replicas != counts.desired) {
        (counts.replicas < counts.desired ? scaling_up : scaling_down) = true;
        progress.push_back(role_key + ": " + std::to_string(counts.replicas) + " → " +
                           std::to_string(counts.desired) + " workers");
      }
      if (counts.updated < counts.replicas) {
        rolling = true;
        progress.push_back(role_key + ": " + std::to_string(counts.updated) + " of " +
                           std::to_string(counts.replicas) + " updated");
      } else if (const int starting = counts.replicas - counts.ready - unreachable_by_role[role];
                 starting > 0) {
        progress.push_back(role_key + ": " + CountOf(starting, "worker") + " starting");
      }
    }
  }

  const bool deleting = record.metadata.deletion_timestamp.has_value();
  if (deleting) {
    const auto remaining = std::count_if(pass.owned.begin(), pass.owned.end(),
                                         [](const OwnedWorker& owned) { return !owned.Lost(); });
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
    } else if (pass.start_failed) {
      set("Unschedulable", false, "AgentUnavailable",
          "partitions are free, but the agent did not start the worker; trying again");
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
    for (const auto& [node, count] : unreachable_nodes) {
      if (degraded.empty()) degraded_reason = "NodeUnreachable";
      degraded.push_back("node " + node + " does not answer (" + CountOf(count, "worker") +
                         " on it); its workers are replaced if it stays silent");
    }
    if (!pass.agent_errors.empty()) {
      if (degraded.empty()) degraded_reason = "AgentError";
      degraded.push_back(Join(pass.agent_errors, "; "));
    }
    set("Degraded", !degraded.empty(), degraded_reason,
        degraded.empty() ? "no worker is failing" : Join(degraded, "; "));
    const auto draining = std::count_if(
        pass.owned.begin(), pass.owned.end(),
        [](const OwnedWorker& owned) { return !owned.Lost() && owned.worker->Terminating(); });
    if (draining > 0) progress.push_back("draining " + CountOf(draining, "worker"));
    const bool progressing = !progress.empty() || pass.created + pass.removed > 0;
    const std::string progress_message =
        progressing ? (progress.empty() ? "applying changes" : Join(progress, "; "))
                    : "every worker runs the current spec";
    // Progress as a Deployment counts it: a worker created or removed, a
    // role's counts moved (a worker became ready or updated), a drain ended,
    // or a new generation to work on. None for the deadline: stuck.
    const Condition* last = resources::FindCondition(record.status.conditions, "Progressing");
    const auto terminating = [](const ModelDeploymentStatus& of) {
      return std::count_if(of.workers.begin(), of.workers.end(), [](const auto& worker) {
        return worker.state == "draining" || worker.state == "stopping";
      });
    };
    const bool moved = last == nullptr || pass.created + pass.removed > 0 ||
                       status.roles != record.status.roles ||
                       terminating(status) != terminating(record.status) ||
                       record.status.observed_generation != generation;
    const std::string last_progress =
        moved ? FormatRfc3339(now)
              : (last->last_update_time.empty() ? last->last_transition_time
                                                : last->last_update_time);
    const std::chrono::seconds deadline(record.spec->rollout.progress_deadline_seconds);
    const StatusOr<std::chrono::system_clock::time_point> progressed = ParseRfc3339(last_progress);
    const bool stuck = progressing && !moved && progressed.ok() && now - *progressed >= deadline;
    if (stuck) {
      const std::string message = "no progress for " + FormatDuration(deadline) +
                                  " (progressDeadlineSeconds): " + progress_message;
      if (last->reason != "ProgressDeadlineExceeded") {
        store_.RecordEvent(record, EventType::kWarning, "ProgressDeadlineExceeded", message);
      }
      set("Progressing", false, "ProgressDeadlineExceeded", message);
    } else {
      set("Progressing", progressing,
          !progressing   ? "Complete"
          : rolling      ? "RollingOut"
          : scaling_up   ? "ScalingUp"
          : scaling_down ? "ScalingDown"
          : draining > 0 ? "Draining"
                         : "Starting",
          progress_message);
    }
    for (Condition& condition : status.conditions) {
      if (condition.type == "Progressing") condition.last_update_time = last_progress;
    }
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
