#include "tests/unit/controller/fake_fleet.h"

#include <algorithm>
#include <functional>

#include <gtest/gtest.h>

#include "base/yaml_json.h"
#include "wire/worker_spec.h"

namespace tessera::controller::testing {

FakeNode& FakeAgents::AddNode(const std::string& name, int gpus, int partitions_per_gpu,
                              int64_t vram, hardware::PartitionMode mode) {
  FakeNode node;
  node.name = name;
  for (int gpu = 0; gpu < gpus; ++gpu) {
    node.gpus.push_back({.index = gpu, .product = "mi300x", .mode = mode});
    for (int part = 0; part < partitions_per_gpu; ++part) {
      node.partitions.push_back({.index = gpu * partitions_per_gpu + part,
                                 .gpu = gpu,
                                 .index_in_gpu = part,
                                 .vram_bytes = vram,
                                 .compute_units = 38,
                                 .holder = {}});
    }
  }
  return nodes_[Endpoint(name)] = std::move(node);
}

void FakeAgents::Settle() {
  for (auto& [endpoint, node] : nodes_) {
    for (auto it = node.workers.begin(); it != node.workers.end();) {
      if (it->second.state == wire::WorkerState::kDraining) {
        for (PartitionView& partition : node.partitions) {
          if (partition.holder == it->first) partition.holder.clear();
        }
        it = node.workers.erase(it);
        continue;
      }
      if (it->second.state == wire::WorkerState::kStarting) {
        it->second.state = wire::WorkerState::kReady;
      }
      ++it;
    }
  }
}

std::vector<const ObservedWorker*> FakeAgents::Workers(const std::string& deployment) const {
  std::vector<const ObservedWorker*> workers;
  for (const auto& [endpoint, node] : nodes_) {
    for (const auto& [id, worker] : node.workers) {
      if (worker.spec.deployment == deployment) workers.push_back(&worker);
    }
  }
  return workers;
}

int FakeAgents::TotalPuts() const {
  int puts = 0;
  for (const auto& [endpoint, node] : nodes_) puts += node.puts;
  return puts;
}

int FakeAgents::TotalDeletes() const {
  int deletes = 0;
  for (const auto& [endpoint, node] : nodes_) deletes += node.deletes;
  return deletes;
}

StatusOr<AgentObservation> FakeAgents::Observe(const std::string& endpoint) {
  const auto it = nodes_.find(endpoint);
  if (it == nodes_.end() || !it->second.reachable) {
    return UnavailableError("agent " + endpoint + ": connection refused");
  }
  AgentObservation observation{.hostname = it->second.name,
                               .labels = it->second.labels,
                               .gpus = it->second.gpus,
                               .partitions = it->second.partitions,
                               .workers = {}};
  for (const auto& [id, worker] : it->second.workers) observation.workers.push_back(worker);
  return observation;
}

StatusOr<ObservedWorker> FakeAgents::PutWorker(const std::string& endpoint, const std::string& id,
                                               const wire::WorkerSpec& spec) {
  const auto it = nodes_.find(endpoint);
  if (it == nodes_.end() || !it->second.reachable) return UnavailableError("unreachable");
  FakeNode& node = it->second;
  ++node.puts;
  if (!node.refuse_puts.empty()) return InvalidArgumentError(node.refuse_puts);
  if (const auto existing = node.workers.find(id); existing != node.workers.end()) {
    if (existing->second.spec == spec) return existing->second;
    return InvalidArgumentError("test agent: spec replacement is not expected");
  }
  for (int index : spec.partitions) {
    const auto partition =
        std::find_if(node.partitions.begin(), node.partitions.end(),
                     [&](const PartitionView& candidate) { return candidate.index == index; });
    if (partition == node.partitions.end()) {
      return InvalidArgumentError("partitions: no partition " + std::to_string(index));
    }
    if (!partition->holder.empty()) {
      return AlreadyExistsError("partition " + std::to_string(index) + " is held by " +
                                partition->holder);
    }
  }
  for (PartitionView& partition : node.partitions) {
    if (std::find(spec.partitions.begin(), spec.partitions.end(), partition.index) !=
        spec.partitions.end()) {
      partition.holder = id;
    }
  }
  ObservedWorker worker{.id = id,
                        .spec = spec,
                        .state = wire::WorkerState::kStarting,
                        .url = "http://" + node.name + ":" + std::to_string(20000 + node.puts),
                        .in_flight = 0.0};
  node.workers[id] = worker;
  return worker;
}

Status FakeAgents::DeleteWorker(const std::string& endpoint, const std::string& id,
                                int /*grace_seconds*/) {
  const auto it = nodes_.find(endpoint);
  if (it == nodes_.end() || !it->second.reachable) return UnavailableError("unreachable");
  ++it->second.deletes;
  const auto worker = it->second.workers.find(id);
  if (worker != it->second.workers.end()) {
    worker->second.state = wire::WorkerState::kDraining;
  }
  return OkStatus();
}

void FakeAgents::WaitForWorkersChange(const std::string& endpoint, const std::string& after,
                                      std::chrono::seconds /*timeout*/, VersionCallback done) {
  waits_.push_back({.endpoint = endpoint, .after = after, .done = std::move(done)});
}

void FakeAgents::CancelWaits() {
  std::vector<Wait> waits = std::move(waits_);
  waits_.clear();
  for (Wait& wait : waits) wait.done(CancelledError("wait cancelled"));
}

std::string FakeAgents::Version(const FakeNode& node) {
  std::string version = "v";
  for (const auto& [id, worker] : node.workers) {
    version +=
        id + "/" +
        std::to_string(std::hash<std::string>()(wire::WorkerSpecToJson(worker.spec).dump())) + "/" +
        std::string(wire::WorkerStateName(worker.state)) + "/" + std::to_string(worker.restarts) +
        ";";
  }
  return version;
}

int FakeAgents::AnswerWaits() {
  // Answering reopens waits: those go into waits_ afresh.
  std::vector<Wait> waits = std::move(waits_);
  waits_.clear();
  int answered = 0;
  for (Wait& wait : waits) {
    const auto node = nodes_.find(wait.endpoint);
    if (node == nodes_.end() || !node->second.reachable) {
      wait.done(UnavailableError("agent " + wait.endpoint + ": connection refused"));
      ++answered;
    } else if (const std::string version = Version(node->second); version != wait.after) {
      wait.done(version);
      ++answered;
    } else {
      waits_.push_back(std::move(wait));
    }
  }
  return answered;
}

std::vector<NodeEndpoint> FakeAgents::Nodes() const {
  std::vector<NodeEndpoint> nodes;
  for (const auto& [endpoint, node] : nodes_) {
    if (node.listed) nodes.push_back({.name = node.name, .endpoint = endpoint, .labels = {}});
  }
  return nodes;
}

void FakeStore::Apply(std::string_view yaml) {
  StatusOr<nlohmann::json> json = YamlToJson(yaml);
  ASSERT_TRUE(json.ok()) << json.status();
  StatusOr<resources::ModelDeployment> deployment = resources::ModelDeploymentFromJson(*json);
  ASSERT_TRUE(deployment.ok()) << deployment.status();
  const resources::ObjectKey key = deployment->metadata.key();
  const auto existing = records_.find(key);
  DeploymentRecord record{
      .metadata = deployment->metadata, .spec = deployment->spec, .status = {}, .error = {}};
  if (existing != records_.end()) {
    record.status = existing->second.status;
    record.metadata.finalizers = existing->second.metadata.finalizers;
    record.metadata.generation =
        existing->second.metadata.generation + (existing->second.spec == deployment->spec ? 0 : 1);
  } else {
    record.metadata.generation = 1;
  }
  records_[key] = std::move(record);
}

void FakeStore::Put(DeploymentRecord record) {
  const resources::ObjectKey key = record.metadata.key();
  records_[key] = std::move(record);
}

void FakeStore::MarkDeleted(const resources::ObjectKey& key) {
  records_.at(key).metadata.deletion_timestamp = "2026-01-01T00:00:00Z";
}

std::vector<resources::ObjectKey> FakeStore::Keys() const {
  std::vector<resources::ObjectKey> keys;
  for (const auto& [key, record] : records_) keys.push_back(key);
  return keys;
}

std::optional<DeploymentRecord> FakeStore::Get(const resources::ObjectKey& key) const {
  const auto it = records_.find(key);
  if (it == records_.end()) return std::nullopt;
  return it->second;
}

Status FakeStore::WriteStatus(const DeploymentRecord& record,
                              const resources::ModelDeploymentStatus& status) {
  ++status_writes;
  records_.at(record.metadata.key()).status = status;
  return OkStatus();
}

Status FakeStore::AddFinalizer(const DeploymentRecord& record) {
  records_.at(record.metadata.key()).metadata.finalizers.emplace_back(kWorkersFinalizer);
  return OkStatus();
}

Status FakeStore::RemoveFinalizer(const DeploymentRecord& record) {
  const resources::ObjectKey key = record.metadata.key();
  std::vector<std::string>& finalizers = records_.at(key).metadata.finalizers;
  std::erase(finalizers, std::string(kWorkersFinalizer));
  // The API server removes an object being deleted once its last finalizer goes.
  if (finalizers.empty() && records_.at(key).metadata.deletion_timestamp) records_.erase(key);
  return OkStatus();
}

void FakeStore::RecordEvent(const DeploymentRecord& record, EventType type, std::string_view reason,
                            std::string_view message) {
  events.push_back({.object = record.metadata.key().ToString(),
                    .type = type,
                    .reason = std::string(reason),
                    .message = std::string(message)});
}

StatusOr<RouterMembership> FakeRouters::PutMembership(const std::string& router_url,
                                                      const RouterMembership& membership) {
  ++puts;
  if (!fail_puts.empty()) return UnavailableError(fail_puts);
  memberships[router_url] = membership;
  return membership;
}

Status FakeStore::SyncEndpoint(const resources::ObjectKey& key, const DeploymentRecord* record,
                               const std::vector<RouterAddress>& routers) {
  const bool serve = record != nullptr && record->spec && !record->metadata.deletion_timestamp &&
                     record->spec->router.replicas > 0;
  if (serve) {
    endpoints[key] = routers;
  } else {
    endpoints.erase(key);
  }
  return OkStatus();
}

}  // namespace tessera::controller::testing
