#include "controller/store/kube_store.h"

#include <algorithm>
#include <map>
#include <set>

#include "base/numbers.h"
#include "controller/store/router_service.h"
#include "kube/resource_type.h"
#include "kube/retry.h"

namespace tessera::controller {
namespace {

using nlohmann::json;
using resources::ObjectKey;

constexpr std::string_view kSyncedReplicasAnnotation = "serving.tessera.io/synced-replicas";
// The deployment's generation at that agreement: an informer cache that
// has not yet seen it holds an older deployment, which must not undo a scale.
constexpr std::string_view kSyncedGenerationAnnotation = "serving.tessera.io/synced-generation";

const kube::ResourceType& Deployments() { return kube::resource_types::ModelDeployments(); }
const kube::ResourceType& Roles() { return kube::resource_types::ModelDeploymentRoles(); }

const json* Find(const json& object, std::initializer_list<std::string_view> path) {
  const json* node = &object;
  for (std::string_view step : path) {
    if (!node->is_object()) return nullptr;
    const auto it = node->find(step);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node;
}

std::string StringAt(const json& object, std::initializer_list<std::string_view> path) {
  const json* value = Find(object, path);
  return value != nullptr && value->is_string() ? value->get<std::string>() : std::string();
}

std::optional<int> IntAt(const json& object, std::initializer_list<std::string_view> path) {
  const json* value = Find(object, path);
  if (value == nullptr) return std::nullopt;
  if (value->is_number_integer()) return value->get<int>();
  if (value->is_string()) return ParseInteger<int>(value->get_ref<const std::string&>());
  return std::nullopt;
}

DeploymentRecord RecordFrom(const json& object) {
  StatusOr<resources::ModelDeployment> deployment = resources::ModelDeploymentFromJson(object);
  if (deployment.ok()) {
    return {.metadata = deployment->metadata,
            .spec = std::move(deployment->spec),
            .status = std::move(deployment->status),
            .error = {}};
  }
  DeploymentRecord record;
  StatusOr<resources::ObjectMeta> metadata = resources::ObjectMetaFromJson(object);
  if (metadata.ok()) record.metadata = *std::move(metadata);
  record.error = deployment.status();
  if (const json* status = Find(object, {"status"}); status != nullptr) {
    record.status = resources::ModelDeploymentStatusFromJson(*status);
  }
  return record;
}

// events.k8s.io/v1 wants what the controller did, beside why.
std::string_view EventAction(std::string_view reason) {
  if (reason == "WorkerCreated") return "Start";
  if (reason == "WorkerRemoved") return "Drain";
  return "Reconcile";
}

// The deployment a Service or EndpointSlice of the controller's is for.
ObjectKey DeploymentOf(const json& object) {
  return {StringAt(object, {"metadata", "namespace"}),
          StringAt(object, {"metadata", "labels", "serving.tessera.io/deployment"})};
}

std::string RoleObjectName(const ObjectKey& deployment, wire::WorkerRole role) {
  return deployment.name + "-" + std::string(resources::RoleKey(role));
}

std::string Selector(const ObjectKey& deployment, wire::WorkerRole role) {
  return "serving.tessera.io/deployment=" + deployment.name +
         ",serving.tessera.io/role=" + std::string(resources::RoleKey(role));
}

}  // namespace

KubeDeploymentStore::KubeDeploymentStore(kube::KubeClient& client, KubeStoreOptions options,
                                         Logger logger)
    : client_(client), options_(std::move(options)), logger_(std::move(logger)) {}

KubeDeploymentStore::~KubeDeploymentStore() { Stop(); }

Status KubeDeploymentStore::Start(std::function<void(const ObjectKey&)> on_change) {
  deployments_ = std::make_unique<kube::Informer>(
      client_, Deployments(),
      kube::InformerOptions{.namespace_name = options_.namespace_name,
                            .logger = logger_.WithComponent("informer")},
      kube::InformerHandlers{.on_change = on_change});
  // A role object changes its deployment's desired count.
  roles_ = std::make_unique<kube::Informer>(
      client_, Roles(),
      kube::InformerOptions{.namespace_name = options_.namespace_name,
                            .logger = logger_.WithComponent("informer")},
      kube::InformerHandlers{.on_add =
                                 [on_change](const json& role) {
                                   on_change({StringAt(role, {"metadata", "namespace"}),
                                              StringAt(role, {"spec", "deployment"})});
                                 },
                             .on_update =
                                 [on_change](const json& /*old_role*/, const json& role) {
                                   on_change({StringAt(role, {"metadata", "namespace"}),
                                              StringAt(role, {"spec", "deployment"})});
                                 },
                             .on_delete =
                                 [on_change](const json& role) {
                                   on_change({StringAt(role, {"metadata", "namespace"}),
                                              StringAt(role, {"spec", "deployment"})});
                                 }});
  // The Services and EndpointSlices of deployments' routers: a change made
  // by anyone else is undone by the deployment's next pass.
  const kube::InformerHandlers owned_by_deployment{
      .on_add = [on_change](const json& object) { on_change(DeploymentOf(object)); },
      .on_update = [on_change](const json& /*old_object*/,
                               const json& object) { on_change(DeploymentOf(object)); },
      .on_delete = [on_change](const json& object) { on_change(DeploymentOf(object)); }};
  services_ = std::make_unique<kube::Informer>(
      client_, kube::resource_types::Services(),
      kube::InformerOptions{
          .namespace_name = options_.namespace_name,
          .label_selector = "app.kubernetes.io/managed-by=" + std::string(kEndpointSliceManager),
          .logger = logger_.WithComponent("informer")},
      owned_by_deployment);
  slices_ = std::make_unique<kube::Informer>(
      client_, kube::resource_types::EndpointSlices(),
      kube::InformerOptions{.namespace_name = options_.namespace_name,
                            .label_selector = "endpointslice.kubernetes.io/managed-by=" +
                                              std::string(kEndpointSliceManager),
                            .logger = logger_.WithComponent("informer")},
      owned_by_deployment);
  events_ = std::make_unique<kube::EventRecorder>(
      client_, kube::EventRecorderOptions{.reporting_controller = "tessera.io/controller",
                                          .reporting_instance = options_.identity,
                                          .logger = logger_.WithComponent("events")});
  deployments_->Start();
  roles_->Start();
  services_->Start();
  slices_->Start();
  return OkStatus();
}

void KubeDeploymentStore::Stop() {
  if (deployments_) deployments_->Stop();
  if (roles_) roles_->Stop();
  if (services_) services_->Stop();
  if (slices_) slices_->Stop();
  if (events_) events_->Flush(std::chrono::seconds(2));
}

bool KubeDeploymentStore::Synced() const {
  return deployments_ && roles_ && services_ && slices_ && deployments_->HasSynced() &&
         roles_->HasSynced() && services_->HasSynced() && slices_->HasSynced();
}

std::vector<ObjectKey> KubeDeploymentStore::Keys() const {
  std::vector<ObjectKey> keys;
  if (!deployments_) return keys;
  for (const json& object : deployments_->List()) {
    keys.push_back(
        {StringAt(object, {"metadata", "namespace"}), StringAt(object, {"metadata", "name"})});
  }
  return keys;
}

std::optional<DeploymentRecord> KubeDeploymentStore::Get(const ObjectKey& key) const {
  if (!deployments_) return std::nullopt;
  std::optional<json> object = deployments_->Get(key);
  if (!object) return std::nullopt;
  return RecordFrom(*object);
}

Status KubeDeploymentStore::WriteStatus(const DeploymentRecord& record,
                                        const resources::ModelDeploymentStatus& status) {
  const ObjectKey key = record.metadata.key();
  const json body = resources::ModelDeploymentStatusToJson(status);
  bool first = true;
  TESSERA_RETURN_IF_ERROR(kube::RetryOnConflict([&]() -> Status {
    std::optional<json> object = first ? deployments_->Get(key) : std::nullopt;
    first = false;
    if (!object) {
      StatusOr<json> fresh = client_.Get(Deployments(), key);
      if (!fresh.ok()) return fresh.status();
      object = *std::move(fresh);
    }
    (*object)["status"] = body;
    return client_.UpdateStatus(Deployments(), *object).status();
  }));
  return WriteRoleStatus(record, status);
}

Status KubeDeploymentStore::WriteRoleStatus(const DeploymentRecord& record,
                                            const resources::ModelDeploymentStatus& status) {
  const ObjectKey key = record.metadata.key();
  for (const auto& [role, counts] : status.roles) {
    const ObjectKey role_key{key.namespace_name, RoleObjectName(key, role)};
    std::optional<json> object = roles_->Get(role_key);
    if (!object) continue;
    const json wanted = {{"replicas", counts.replicas},
                         {"readyReplicas", counts.ready},
                         {"selector", Selector(key, role)}};
    if (const json* current = Find(*object, {"status"}); current != nullptr && *current == wanted) {
      continue;
    }
    StatusOr<json> patched =
        client_.Patch(Roles(), role_key, {{"status", wanted}}, kube::PatchType::kMerge, "status");
    if (!patched.ok()) return patched.status().WithContext("status of " + role_key.ToString());
  }
  return OkStatus();
}

Status KubeDeploymentStore::SetFinalizers(const DeploymentRecord& record,
                                          std::vector<std::string> finalizers) {
  // The resourceVersion makes the patch conditional: a finalizer list read
  // from a stale object must not overwrite someone else's.
  const json patch = {{"metadata",
                       {{"finalizers", std::move(finalizers)},
                        {"resourceVersion", record.metadata.resource_version}}}};
  StatusOr<json> patched =
      client_.Patch(Deployments(), record.metadata.key(), patch, kube::PatchType::kMerge);
  return patched.ok() ? OkStatus() : patched.status();
}

Status KubeDeploymentStore::AddFinalizer(const DeploymentRecord& record) {
  std::vector<std::string> finalizers = record.metadata.finalizers;
  if (record.metadata.HasFinalizer(kWorkersFinalizer)) return OkStatus();
  finalizers.emplace_back(kWorkersFinalizer);
  return SetFinalizers(record, std::move(finalizers));
}

Status KubeDeploymentStore::RemoveFinalizer(const DeploymentRecord& record) {
  std::vector<std::string> finalizers = record.metadata.finalizers;
  std::erase(finalizers, std::string(kWorkersFinalizer));
  return SetFinalizers(record, std::move(finalizers));
}

Status KubeDeploymentStore::SyncScaleTargets(const ObjectKey& key, DeploymentRecord* record) {
  std::set<std::string> wanted;
  if (record != nullptr && record->spec) {
    for (wire::WorkerRole role : record->spec->Roles()) {
      wanted.insert(RoleObjectName(key, role));
    }
  }
  // Roles of a deployment that is gone or no longer runs them. (A cluster's
  // garbage collector would remove them through the owner reference too.)
  for (const json& role : roles_->List()) {
    if (StringAt(role, {"metadata", "namespace"}) != key.namespace_name ||
        StringAt(role, {"spec", "deployment"}) != key.name) {
      continue;
    }
    const std::string name = StringAt(role, {"metadata", "name"});
    if (wanted.contains(name)) continue;
    if (record != nullptr && record->metadata.deletion_timestamp) continue;
    Status deleted = client_.Delete(Roles(), {key.namespace_name, name});
    if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) {
      return deleted.WithContext("deleting " + key.namespace_name + "/" + name);
    }
  }
  if (record == nullptr || !record->spec || record->metadata.deletion_timestamp) {
    return OkStatus();
  }

  for (wire::WorkerRole role : record->spec->Roles()) {
    const std::string role_key(resources::RoleKey(role));
    const ObjectKey object_key{key.namespace_name, RoleObjectName(key, role)};
    resources::RoleSpec& spec = record->spec->Role(role);
    std::optional<json> object = roles_->Get(object_key);
    if (!object) {
      const json role_object = {
          {"apiVersion", Roles().ApiVersion()},
          {"kind", Roles().kind},
          {"metadata",
           {{"name", object_key.name},
            {"namespace", key.namespace_name},
            {"labels",
             {{"serving.tessera.io/deployment", key.name}, {"serving.tessera.io/role", role_key}}},
            {"annotations",
             {{kSyncedReplicasAnnotation, std::to_string(spec.replicas)},
              {kSyncedGenerationAnnotation, std::to_string(record->metadata.generation)}}},
            {"ownerReferences",
             {{{"apiVersion", Deployments().ApiVersion()},
               {"kind", Deployments().kind},
               {"name", key.name},
               {"uid", record->metadata.uid},
               {"controller", true},
               {"blockOwnerDeletion", true}}}}}},
          {"spec", {{"deployment", key.name}, {"role", role_key}, {"replicas", spec.replicas}}}};
      StatusOr<json> created = client_.Create(Roles(), key.namespace_name, role_object);
      if (!created.ok() && created.status().code() != StatusCode::kAlreadyExists) {
        return created.status().WithContext("creating " + object_key.ToString());
      }
      continue;
    }
    const std::optional<int> target = IntAt(*object, {"spec", "replicas"});
    const std::optional<int> synced =
        IntAt(*object, {"metadata", "annotations", kSyncedReplicasAnnotation});
    const std::optional<int> synced_generation =
        IntAt(*object, {"metadata", "annotations", kSyncedGenerationAnnotation});
    if (!target) continue;
    int64_t generation = record->metadata.generation;
    if (synced && *target != *synced) {
      // Scaled through /scale: the deployment follows.
      StatusOr<json> patched =
          client_.Patch(Deployments(), key, {{"spec", {{role_key, {{"replicas", *target}}}}}},
                        kube::PatchType::kMerge);
      if (!patched.ok()) return patched.status().WithContext("scaling " + key.ToString());
      logger_.Info("role scaled; deployment updated", {{"deployment", key.ToString()},
                                                       {"role", role_key},
                                                       {"from", spec.replicas},
                                                       {"to", *target}});
      spec.replicas = *target;
      if (const json* updated = Find(*patched, {"metadata", "generation"});
          updated != nullptr && updated->is_number_integer()) {
        generation = updated->get<int64_t>();
        record->metadata.generation = generation;
      }
    } else if ((synced_generation && generation < *synced_generation) ||
               (synced && *target == spec.replicas)) {
      // This copy of the deployment is older than the last agreement, or
      // the two already agree.
      continue;
    }
    // The deployment moved, was just made to follow, or the role was never
    // synced: the role follows and records the agreement.
    const json patch = {{"metadata",
                         {{"annotations",
                           {{kSyncedReplicasAnnotation, std::to_string(spec.replicas)},
                            {kSyncedGenerationAnnotation, std::to_string(generation)}}}}},
                        {"spec", {{"replicas", spec.replicas}}}};
    StatusOr<json> patched = client_.Patch(Roles(), object_key, patch, kube::PatchType::kMerge);
    if (!patched.ok()) return patched.status().WithContext("syncing " + object_key.ToString());
  }
  return OkStatus();
}

void KubeDeploymentStore::RecordEvent(const DeploymentRecord& record, EventType type,
                                      std::string_view reason, std::string_view message) {
  if (!events_) return;
  const kube::EventReference regarding{.api_version = Deployments().ApiVersion(),
                                       .kind = Deployments().kind,
                                       .namespace_name = record.metadata.namespace_name,
                                       .name = record.metadata.name,
                                       .uid = record.metadata.uid,
                                       .resource_version = record.metadata.resource_version};
  events_->Record(
      regarding, type == EventType::kWarning ? kube::EventType::kWarning : kube::EventType::kNormal,
      reason, EventAction(reason), message);
}

Status KubeDeploymentStore::SyncEndpoint(const ObjectKey& key, const DeploymentRecord* record,
                                         const std::vector<RouterAddress>& routers) {
  const bool serve = record != nullptr && record->spec && !record->metadata.deletion_timestamp &&
                     record->spec->router.replicas > 0;
  const kube::ResourceType& services = kube::resource_types::Services();
  const kube::ResourceType& slices = kube::resource_types::EndpointSlices();
  const auto gone = [](const Status& status) {
    return status.ok() || status.code() == StatusCode::kNotFound;
  };
  std::map<std::string, json> wanted;
  if (serve) {
    for (json& slice : RouterEndpointSlices(key, record->metadata.uid, routers)) {
      std::string name = StringAt(slice, {"metadata", "name"});
      wanted[std::move(name)] = std::move(slice);
    }
    const json service = RouterService(key, record->metadata.uid);
    if (std::optional<json> existing = services_->Get(key); !existing) {
      StatusOr<json> created = client_.Create(services, key.namespace_name, service);
      if (!created.ok() && created.status().code() != StatusCode::kAlreadyExists) {
        return created.status().WithContext("creating Service " + key.ToString());
      }
      if (!created.ok()) {
        // Ours, created by an earlier pass the cache has not caught up
        // with; or someone else's, which the controller leaves alone.
        StatusOr<json> found = client_.Get(services, key);
        if (!found.ok()) return found.status().WithContext("reading Service " + key.ToString());
        if (StringAt(*found, {"metadata", "labels", "app.kubernetes.io/managed-by"}) !=
            kEndpointSliceManager) {
          return FailedPreconditionError("Service " + key.ToString() +
                                         " exists and is not managed by tessera-controller; the "
                                         "deployment's routers cannot be given its name");
        }
      }
    } else if (!SameService(*existing, service)) {
      StatusOr<json> patched =
          client_.Patch(services, key, {{"spec", service["spec"]}}, kube::PatchType::kMerge);
      if (!patched.ok()) return patched.status().WithContext("updating Service " + key.ToString());
    }
  }
  for (const json& slice : slices_->List()) {
    if (DeploymentOf(slice) != key) continue;
    const ObjectKey slice_key{key.namespace_name, StringAt(slice, {"metadata", "name"})};
    const auto desired = wanted.find(slice_key.name);
    // A slice's address type cannot change: such a slice is replaced.
    if (desired == wanted.end() ||
        StringAt(slice, {"addressType"}) != StringAt(desired->second, {"addressType"})) {
      if (Status deleted = client_.Delete(slices, slice_key); !gone(deleted)) {
        return deleted.WithContext("deleting EndpointSlice " + slice_key.ToString());
      }
      continue;
    }
    if (!SameEndpointSlice(slice, desired->second)) {
      json updated = desired->second;
      updated["metadata"]["resourceVersion"] = StringAt(slice, {"metadata", "resourceVersion"});
      StatusOr<json> written = client_.Update(slices, updated);
      if (!written.ok()) {
        return written.status().WithContext("updating EndpointSlice " + slice_key.ToString());
      }
    }
    wanted.erase(desired);
  }
  for (const auto& [name, slice] : wanted) {
    StatusOr<json> created = client_.Create(slices, key.namespace_name, slice);
    if (!created.ok() && created.status().code() != StatusCode::kAlreadyExists) {
      return created.status().WithContext("creating EndpointSlice " + key.namespace_name + "/" +
                                          name);
    }
  }
  if (!serve && services_->Get(key)) {
    if (Status deleted = client_.Delete(services, key); !gone(deleted)) {
      return deleted.WithContext("deleting Service " + key.ToString());
    }
  }
  return OkStatus();
}

}  // namespace tessera::controller
