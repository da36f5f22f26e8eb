// An in-memory fleet of agents and an in-memory store, for reconciler tests
// that drive every step by hand.

#ifndef TESSERA_TESTS_UNIT_CONTROLLER_FAKE_FLEET_H_
#define TESSERA_TESTS_UNIT_CONTROLLER_FAKE_FLEET_H_

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "base/logging.h"
#include "controller/fleet/agent_api.h"
#include "controller/fleet/node_source.h"
#include "controller/routers/router_api.h"
#include "controller/store/deployment_store.h"
#include "hardware/partition_mode.h"

namespace tessera::controller::testing {

// Tests assert on state, not on log lines.
inline Logger QuietLogger() {
  class DiscardSink final : public LogSink {
   public:
    void Write(std::string_view /*line*/) override {}
  };
  return Logger({.sink = std::make_shared<DiscardSink>(),
                 .clock = nullptr,
                 .minimum_level = LogLevel::kInfo});
}

struct FakeNode {
  std::string name;
  bool reachable = true;
  // False: the NodeSource no longer lists it (its GPUNode was deleted).
  bool listed = true;
  // Non-empty: every PUT is refused with InvalidArgument and this message,
  // as an agent refuses an engine not in its allow-list.
  std::string refuse_puts;
  std::map<std::string, std::string> labels;
  std::vector<GpuView> gpus;
  std::vector<PartitionView> partitions;
  std::map<std::string, ObservedWorker> workers;
  int puts = 0;
  int deletes = 0;
};

// Agents behave as tessera-agent does where the controller can tell:
// a PUT of a held partition is 409, the same spec twice is a no-op, DELETE
// drains. Tests move workers through their states with the helpers.
class FakeAgents final : public AgentApi, public NodeSource {
 public:
  // `gpus` physical GPUs of `partitions_per_gpu` partitions of `vram` each.
  FakeNode& AddNode(const std::string& name, int gpus, int partitions_per_gpu, int64_t vram,
                    hardware::PartitionMode mode = {hardware::ComputePartition::kCpx,
                                                    hardware::MemoryPartition::kNps4});
  FakeNode& Node(const std::string& name) { return nodes_.at(Endpoint(name)); }
  static std::string Endpoint(const std::string& name) { return "http://" + name + ":8470"; }

  // Every starting worker becomes ready; every draining one exits.
  void Settle();
  std::vector<const ObservedWorker*> Workers(const std::string& deployment) const;
  int TotalPuts() const;
  int TotalDeletes() const;

  StatusOr<AgentObservation> Observe(const std::string& endpoint) override;
  StatusOr<ObservedWorker> PutWorker(const std::string& endpoint, const std::string& id,
                                     const wire::WorkerSpec& spec) override;
  Status DeleteWorker(const std::string& endpoint, const std::string& id,
                      int grace_seconds) override;
  // Waits are held until AnswerWaits() or CancelWaits().
  void WaitForWorkersChange(const std::string& endpoint, const std::string& after,
                            std::chrono::seconds timeout, VersionCallback done) override;
  void CancelWaits() override;
  std::vector<NodeEndpoint> Nodes() const override;

  // Answers each held wait whose node's workers are no longer at the
  // version it waits past, as an agent does when they change (versions
  // follow the workers' ids, specs, states and restarts); unreachable
  // nodes' waits fail. Returns how many were answered.
  int AnswerWaits();
  size_t HeldWaits() const { return waits_.size(); }

 private:
  struct Wait {
    std::string endpoint;
    std::string after;
    VersionCallback done;
  };
  static std::string Version(const FakeNode& node);

  std::map<std::string, FakeNode> nodes_;  // by endpoint
  std::vector<Wait> waits_;
};

// Routers as tessera-router's admin API behaves: a PUT replaces what a
// router routes to and answers with it.
class FakeRouters final : public RouterApi {
 public:
  StatusOr<RouterMembership> PutMembership(const std::string& router_url,
                                           const RouterMembership& membership) override;

  // What each router (by URL) was last told.
  std::map<std::string, RouterMembership> memberships;
  int puts = 0;
  // Non-empty: every PUT fails with Unavailable and this message.
  std::string fail_puts;
};

class FakeStore final : public DeploymentStore {
 public:
  // Parses a YAML manifest; the test fails on a parse error.
  void Apply(std::string_view yaml);
  void Put(DeploymentRecord record);
  void MarkDeleted(const resources::ObjectKey& key);
  void Erase(const resources::ObjectKey& key) { records_.erase(key); }
  DeploymentRecord& Record(const resources::ObjectKey& key) { return records_.at(key); }

  Status Start(std::function<void(const resources::ObjectKey&)> /*on_change*/) override {
    return OkStatus();
  }
  void Stop() override {}
  bool Synced() const override { return true; }
  std::vector<resources::ObjectKey> Keys() const override;
  std::optional<DeploymentRecord> Get(const resources::ObjectKey& key) const override;
  Status WriteStatus(const DeploymentRecord& record,
                     const resources::ModelDeploymentStatus& status) override;
  Status AddFinalizer(const DeploymentRecord& record) override;
  Status RemoveFinalizer(const DeploymentRecord& record) override;
  Status SyncScaleTargets(const resources::ObjectKey& /*key*/,
                          DeploymentRecord* /*record*/) override {
    return OkStatus();
  }
  // Records what the deployment's address should list: nothing when it
  // should have none.
  Status SyncEndpoint(const resources::ObjectKey& key, const DeploymentRecord* record,
                      const std::vector<RouterAddress>& routers) override;
  void RecordEvent(const DeploymentRecord& record, EventType type, std::string_view reason,
                   std::string_view message) override;

  struct Event {
    std::string object;
    EventType type;
    std::string reason;
    std::string message;
  };
  std::vector<Event> events;
  int status_writes = 0;
  // By deployment: the routers its Service lists; absent: no Service.
  std::map<resources::ObjectKey, std::vector<RouterAddress>> endpoints;

 private:
  std::map<resources::ObjectKey, DeploymentRecord> records_;
};

}  // namespace tessera::controller::testing

#endif  // TESSERA_TESTS_UNIT_CONTROLLER_FAKE_FLEET_H_
