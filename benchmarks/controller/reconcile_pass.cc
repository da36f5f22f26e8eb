// One full reconcile pass over a synthetic fleet, as the controller does
// after every poll: 1,000 nodes of 8 × MI300X in CPX (64 partitions each)
// and 5,000 workers in 500 deployments, every one converged. Prints the
// pass time (p50/p99 over the repetitions), the time of a pass that scales
// 50 deployments up by 2 workers (100 placements), the fleet poll merge, and
// the process's peak RSS.
//
//   build/bin/controller-reconcile-bench [--nodes 1000] [--deployments 500] [--passes 20]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <sys/resource.h>

#include "base/clock.h"
#include "base/logging.h"
#include "base/statistics.h"
#include "base/yaml_json.h"
#include "benchmarks/harness/command_line.h"
#include "controller/fleet/agent_api.h"
#include "controller/fleet/fleet_monitor.h"
#include "controller/reconciler/deployment_reconciler.h"
#include "controller/routers/router_api.h"
#include "controller/store/deployment_store.h"

namespace {

namespace controller = tessera::controller;
using controller::AgentObservation;
using controller::ObservedWorker;
using tessera::Status;
using tessera::StatusOr;

constexpr int kGpusPerNode = 8;
constexpr int kPartitionsPerGpu = 8;
constexpr int64_t kPartitionVram = int64_t{24} << 30;

// Agents that answer from memory, instantly: the benchmark measures the
// controller, not HTTP.
class MemoryAgents final : public controller::AgentApi,
                           public controller::NodeSource,
                           public controller::RouterApi {
 public:
  explicit MemoryAgents(int nodes) {
    for (int n = 0; n < nodes; ++n) {
      const std::string name = "node-" + std::to_string(n);
      AgentObservation& node = nodes_["http://" + name];
      node.hostname = name;
      for (int gpu = 0; gpu < kGpusPerNode; ++gpu) {
        node.gpus.push_back({.index = gpu,
                             .product = "mi300x",
                             .mode = {.compute = tessera::hardware::ComputePartition::kCpx,
                                      .memory = tessera::hardware::MemoryPartition::kNps4}});
        for (int part = 0; part < kPartitionsPerGpu; ++part) {
          node.partitions.push_back({.index = gpu * kPartitionsPerGpu + part,
                                     .gpu = gpu,
                                     .index_in_gpu = part,
                                     .vram_bytes = kPartitionVram,
                                     .compute_units = 38,
                                     .holder = {}});
        }
      }
    }
  }

  void MakeAllReady() {
    for (auto& [endpoint, node] : nodes_) {
      for (ObservedWorker& worker : node.workers) {
        worker.state = tessera::wire::WorkerState::kReady;
      }
    }
  }

  StatusOr<AgentObservation> Observe(const std::string& endpoint) override {
    return nodes_.at(endpoint);
  }
  StatusOr<ObservedWorker> PutWorker(const std::string& endpoint, const std::string& id,
                                     const tessera::wire::WorkerSpec& spec) override {
    AgentObservation& node = nodes_.at(endpoint);
    for (int partition : spec.partitions)
      node.partitions[static_cast<size_t>(partition)].holder = id;
    node.workers.push_back({.id = id,
                            .spec = spec,
                            .state = tessera::wire::WorkerState::kStarting,
                            .url = endpoint + ":20000",
                            .in_flight = 0.0});
    ++puts;
    return node.workers.back();
  }
  Status DeleteWorker(const std::string& /*endpoint*/, const std::string& /*id*/,
                      int /*grace_seconds*/) override {
    return tessera::OkStatus();
  }
  // Polled only: the benchmark times passes, not their pace.
  void WaitForWorkersChange(const std::string& /*endpoint*/, const std::string& /*after*/,
                            std::chrono::seconds /*timeout*/, VersionCallback done) override {
    done(tessera::UnimplementedError("memory agents are polled only"));
  }
  void CancelWaits() override {}
  // Every router acknowledges at once.
  StatusOr<controller::RouterMembership> PutMembership(
      const std::string& /*router_url*/, const controller::RouterMembership& membership) override {
    ++router_puts;
    return membership;
  }
  std::vector<controller::NodeEndpoint> Nodes() const override {
    std::vector<controller::NodeEndpoint> nodes;
    nodes.reserve(nodes_.size());
    for (const auto& [endpoint, node] : nodes_) {
      nodes.push_back({.name = node.hostname, .endpoint = endpoint, .labels = {}});
    }
    return nodes;
  }

  int puts = 0;
  int router_puts = 0;

 private:
  std::map<std::string, AgentObservation> nodes_;
};

class MemoryStore final : public controller::DeploymentStore {
 public:
  void Put(controller::DeploymentRecord record) {
    records_[record.metadata.key()] = std::move(record);
  }
  controller::DeploymentRecord& Record(const tessera::resources::ObjectKey& key) {
    return records_.at(key);
  }
  Status Start(std::function<void(const tessera::resources::ObjectKey&)> /*on_change*/) override {
    return tessera::OkStatus();
  }
  void Stop() override {}
  bool Synced() const override { return true; }
  std::vector<tessera::resources::ObjectKey> Keys() const override {
    std::vector<tessera::resources::ObjectKey> keys;
    for (const auto& [key, record] : records_) keys.push_back(key);
    return keys;
  }
  std::optional<controller::DeploymentRecord> Get(
      const tessera::resources::ObjectKey& key) const override {
    return records_.at(key);
  }
  Status WriteStatus(const controller::DeploymentRecord& record,
                     const tessera::resources::ModelDeploymentStatus& status) override {
    records_.at(record.metadata.key()).status = status;
    ++status_writes;
    return tessera::OkStatus();
  }
  Status AddFinalizer(const controller::DeploymentRecord& record) override {
    records_.at(record.metadata.key())
        .metadata.finalizers.emplace_back(controller::kWorkersFinalizer);
    return tessera::OkStatus();
  }
  Status RemoveFinalizer(const controller::DeploymentRecord& /*record*/) override {
    return tessera::OkStatus();
  }
  Status SyncScaleTargets(const tessera::resources::ObjectKey& /*key*/,
                          controller::DeploymentRecord* /*record*/) override {
    return tessera::OkStatus();
  }
  Status SyncEndpoint(const tessera::resources::ObjectKey& /*key*/,
                      const controller::DeploymentRecord* /*record*/,
                      const std::vector<controller::RouterAddress>& /*routers*/) override {
    return tessera::OkStatus();
  }
  void RecordEvent(const controller::DeploymentRecord& /*record*/, controller::EventType /*type*/,
                   std::string_view /*reason*/, std::string_view /*message*/) override {}

  int status_writes = 0;

 private:
  std::map<tessera::resources::ObjectKey, controller::DeploymentRecord> records_;
};

controller::DeploymentRecord Deployment(int index) {
  // Half aggregated (12 workers of TP 1), half disaggregated (2 prefill and
  // 6 decode workers of TP 2): 500 deployments make 5,000 workers in
  // 7,000 partitions.
  const bool aggregated = index % 2 == 0;
  std::string yaml =
      "apiVersion: serving.tessera.io/v1alpha1\nkind: ModelDeployment\n"
      "metadata: {name: model-" +
      std::to_string(index) + ", namespace: team-" + std::to_string(index % 20) +
      "}\nspec:\n  model: {source: llama-3.1-8b}\n"
      "  engine: {kind: vllm, maxModelLen: 8192, kvCacheDtype: fp8}\n";
  yaml += aggregated ? "  worker: {replicas: 12}\n"
                     : "  mode: disaggregated\n  prefill: {replicas: 2, tensorParallelSize: 2}\n"
                       "  decode: {replicas: 6, tensorParallelSize: 2}\n";
  StatusOr<nlohmann::json> json = tessera::YamlToJson(yaml);
  StatusOr<tessera::resources::ModelDeployment> deployment =
      tessera::resources::ModelDeploymentFromJson(*json);
  if (!deployment.ok()) {
    std::fprintf(stderr, "%s\n", deployment.status().ToString().c_str());
    std::exit(1);
  }
  deployment->metadata.generation = 1;
  return {.metadata = deployment->metadata, .spec = deployment->spec, .status = {}, .error = {}};
}

double Milliseconds(std::chrono::steady_clock::duration duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

long PeakRssKib() {  // NOLINT(google-runtime-int): getrusage's type
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  constexpr int kMaxInt = std::numeric_limits<int>::max();
  int nodes = 1000;
  int deployments = 500;
  int passes = 20;
  CLI::App app(
      "One full reconcile pass over a synthetic fleet of 8 × MI300X nodes in CPX, "
      "every deployment converged (docs/controller.md)",
      "controller-reconcile-bench");
  app.add_option("--nodes", nodes, "Agents, each with 8 GPUs of 8 partitions")
      ->check(CLI::Range(1, kMaxInt))
      ->capture_default_str();
  app.add_option("--deployments", deployments, "Deployments, 10 workers each on average")
      ->check(CLI::Range(1, kMaxInt))
      ->capture_default_str();
  app.add_option("--passes", passes, "Converged passes timed")
      ->check(CLI::Range(1, kMaxInt))
      ->capture_default_str();
  if (const std::optional<int> exit_status = tessera::bench::ParseCommandLine(app, argc, argv)) {
    return *exit_status;
  }

  tessera::FakeClock clock;
  class Quiet final : public tessera::LogSink {
   public:
    void Write(std::string_view /*line*/) override {}
  };
  tessera::Logger logger({.sink = std::make_shared<Quiet>(),
                          .clock = &clock,
                          .minimum_level = tessera::LogLevel::kError});
  MemoryAgents agents(nodes);
  MemoryStore store;
  controller::FleetMonitor fleet(agents, agents, clock, {}, logger);
  controller::DeploymentReconciler reconciler(store, fleet, agents, agents, clock, {}, logger);
  for (int i = 0; i < deployments; ++i) store.Put(Deployment(i));

  const auto pass = [&] {
    const auto start = std::chrono::steady_clock::now();
    for (const tessera::resources::ObjectKey& key : reconciler.AllKeys()) {
      (void)reconciler.Reconcile(key);
    }
    return std::chrono::steady_clock::now() - start;
  };

  // Place every worker, then let them all become ready.
  fleet.PollOnce();
  const double placing_all = Milliseconds(pass());
  const int placed = agents.puts;
  agents.MakeAllReady();
  const auto poll_start = std::chrono::steady_clock::now();
  fleet.PollOnce();
  const double poll = Milliseconds(std::chrono::steady_clock::now() - poll_start);
  (void)pass();  // status catches up with readiness

  std::vector<double> steady;
  const int writes_before = store.status_writes;
  const int router_puts_before = agents.router_puts;
  for (int i = 0; i < passes; ++i) steady.push_back(Milliseconds(pass()));
  const int steady_puts = agents.puts - placed;
  const int steady_router_puts = agents.router_puts - router_puts_before;
  const int steady_writes = store.status_writes - writes_before;

  // Scale 50 deployments (or a tenth) up by two workers each.
  int scaled = 0;
  for (int i = 0; i < deployments && scaled < std::max(1, deployments / 10); i += 2, ++scaled) {
    tessera::resources::ObjectKey key{"team-" + std::to_string(i % 20),
                                      "model-" + std::to_string(i)};
    controller::DeploymentRecord& record = store.Record(key);
    record.spec->worker->replicas += 2;
    ++record.metadata.generation;
  }
  const int puts_before_scale = agents.puts;
  const double scale_pass = Milliseconds(pass());

  std::printf("fleet: %d nodes × %d partitions = %d partitions; %d deployments, %d workers\n",
              nodes, kGpusPerNode * kPartitionsPerGpu, nodes * kGpusPerNode * kPartitionsPerGpu,
              deployments, placed);
  std::printf("first pass, placing every worker:  %9.1f ms\n", placing_all);
  std::printf("poll merge of %d agents:           %9.1f ms (answers from memory)\n", nodes, poll);
  std::printf("converged pass (%d repetitions):   p50 %6.1f ms  p99 %6.1f ms  max %6.1f ms\n",
              passes, tessera::Percentile(steady, 50), tessera::Percentile(steady, 99),
              *std::max_element(steady.begin(), steady.end()));
  std::printf(
      "  agent writes %d, router writes %d, status writes %d (a converged pass changes nothing)\n",
      steady_puts, steady_router_puts, steady_writes);
  std::printf("pass scaling %d deployments by +2:  %9.1f ms (%d workers placed)\n", scaled,
              scale_pass, agents.puts - puts_before_scale);
  std::printf("peak RSS:                          %9.1f MiB\n",
              static_cast<double>(PeakRssKib()) / 1024.0);
  return 0;
}
