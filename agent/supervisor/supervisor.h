// The agent's worker supervisor: turns desired workers (PUT/DELETE from the
// controller) into engine processes pinned to partitions, and keeps them
// that way. Every method runs on the io_context's thread, the agent's one
// event loop; the API hands requests over to it.
//
// Desired state is persisted (workers.json in the state directory) together
// with each worker's pid and start time, so that a restarted agent adopts the
// processes its predecessor started instead of killing or duplicating them.

#ifndef TESSERA_AGENT_SUPERVISOR_SUPERVISOR_H_
#define TESSERA_AGENT_SUPERVISOR_SUPERVISOR_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "agent/gpu/gpu_backend.h"
#include "agent/metrics/engine_metrics_scraper.h"
#include "agent/metrics/http_fetcher.h"
#include "agent/supervisor/port_allocator.h"
#include "agent/supervisor/process_launcher.h"
#include "agent/supervisor/supervised_worker.h"
#include "agent/supervisor/supervision_policy.h"
#include "agent/supervisor/timer.h"
#include "agent/supervisor/worker_status.h"
#include "base/clock.h"
#include "base/logging.h"
#include "base/status.h"
#include "engine/adapters/launch_plan.h"
#include "wire/worker_spec.h"

namespace tessera::agent {

struct SupervisorOptions {
  SupervisionPolicy policy;
  // The engines workers may run, by the name worker specs use.
  std::map<std::string, adapters::EngineInstallation> engines{};
  std::filesystem::path state_directory;  // workers.json and each worker's working directory
  std::filesystem::path log_directory;
  int64_t log_max_bytes = int64_t{64} << 20;
  int log_max_files = 3;
  int port_first = 20000;
  int port_last = 29999;
  std::string bind_host = "0.0.0.0";
  // Ports of the agent's own (its API) that no worker may be given.
  std::set<int> reserved_ports{};
  // The agent's own token file, which routers' admin APIs take too (empty
  // when the agent runs without a token).
  std::string admin_token_file{};
  // The node's name in the labels of the workers' engine metrics, as in
  // the agent's own.
  std::string hostname{};
  // Host in worker URLs: how the controller and router reach this node.
  std::string advertise_host = "127.0.0.1";
  // Engine /metrics scrapes (merged into the agent's /metrics), the GPU
  // inventory refresh and log rotation.
  std::chrono::milliseconds scrape_period{2'000};
  std::chrono::milliseconds scrape_timeout{1'000};
};

// What the supervisor acts through: the host's in the agent (HostServices),
// fakes in tests. Not owned; each must outlive the supervisor.
struct SupervisorServices {
  GpuBackend& gpus;
  const Clock& clock;
  ProcessLauncher& processes;
  TimerFactory& timers;
  // GETs of each engine's health endpoint, bounded by the policy's
  // probe_timeout.
  HttpFetcher& health_probes;
  // GETs of each engine's metrics endpoint, bounded by scrape_timeout.
  HttpFetcher& engine_metrics;
  PortAllocator::PortCheck port_is_free = IsPortFree;
};

class Supervisor {
 public:
  enum class ApplyOutcome { kCreated, kUnchanged, kReplaced };

  // `loop` (where engine metrics are merged) must outlive the supervisor.
  Supervisor(boost::asio::io_context& loop, SupervisorOptions options, SupervisorServices services,
             Logger logger);
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;
  // Leaves every worker process running, for the next agent to adopt.
  ~Supervisor();

  // Reads the inventory and the persisted workers; adopts those still
  // running and restarts the others. Call once, before serving the API.
  Status Recover();

  // Creates or updates worker `id`. Errors: InvalidArgument (unknown engine,
  // partition not on this node, engine cannot take a setting),
  // AlreadyExists (a partition is held by another worker, or a worker being
  // replaced is moving onto it; the bootstrap port is in use), both named,
  // ResourceExhausted (no port left).
  StatusOr<ApplyOutcome> Apply(const std::string& id, wire::WorkerSpec spec);
  // Drains and stops worker `id`; NotFound when there is none. The worker
  // stays listed (draining, stopping) until its process has exited.
  Status Delete(const std::string& id, std::optional<std::chrono::milliseconds> grace);

  std::vector<WorkerStatus> Workers() const;
  StatusOr<WorkerStatus> GetWorker(const std::string& id) const;
  StatusOr<std::string> Logs(const std::string& id, int lines) const;
  const NodeInventory& inventory() const { return inventory_; }
  // Every running worker's engine metrics as last scraped, carrying the
  // worker, deployment, role and partition labels, merged into one
  // exposition. Merged off the loop after each scrape round and worker
  // change, so serving /metrics costs a copy.
  const std::string& EngineMetricsText() const { return scraper_.text(); }
  // The same, as one gzip member; empty when compression failed.
  const std::string& EngineMetricsGzip() const { return scraper_.gzip(); }
  // True once Recover() succeeded.
  bool recovered() const { return recovered_; }

  // The version of what Workers() reports, apart from the load it reads
  // from the engines: it changes whenever a worker is created, replaced,
  // deleted, started, exits or changes state, and differs between agent
  // processes. Opaque; only compared for equality.
  std::string workers_version() const;
  // Called, on the loop, after each change of workers_version(); from
  // inside whatever call made the change, so the listener must not call
  // back into the supervisor (post to the loop instead).
  void OnWorkersChanged(std::function<void()> listener) {
    on_workers_changed_ = std::move(listener);
  }

  // Counters for the agent's own metrics.
  int64_t engine_scrape_failures() const { return scraper_.scrape_failures(); }
  int64_t engine_metric_lines_rejected() const { return scraper_.lines_rejected(); }
  // Seconds from a worker's exit being noticed to its restart being
  // scheduled, for the last exit (the supervisor's reaction time).
  std::optional<double> last_exit_reaction_seconds() const { return last_exit_reaction_seconds_; }

 private:
  using WorkerPointer = std::shared_ptr<SupervisedWorker>;

  WorkerPointer MakeWorker(const std::string& id, wire::WorkerSpec spec);
  Status CheckSpec(const std::string& id, const wire::WorkerSpec& spec) const;
  StatusOr<adapters::LaunchPlan> Plan(const SupervisedWorker& worker) const;
  Status AssignPorts(SupervisedWorker& worker);
  std::set<int> HeldPorts() const;
  // Carries out what the worker's lifecycle has due, and wakes it when it
  // next has something to do.
  void Pump(const WorkerPointer& worker);
  void Signal(const WorkerPointer& worker, int signal);
  void Spawn(const WorkerPointer& worker);
  ProcessLauncher::OnExit ExitHandler(const WorkerPointer& worker);
  void Exited(const WorkerPointer& worker, const ProcessExit& exit);
  void Probe(const WorkerPointer& worker);
  void ReadLoad(const WorkerPointer& worker);
  // Forgets (or replaces) a stopped worker.
  void Finish(const WorkerPointer& stopped);
  void ArmTimer(const WorkerPointer& worker);
  // Every scrape period: engine metrics, the GPU inventory, worker logs.
  void ScheduleHousekeeping();
  void ScrapeEngines();
  void RefreshInventory();
  void RotateLogs();
  // Writes the desired state and what a restarted agent needs to adopt the
  // processes; every write is a change a watcher of Workers() sees.
  void Persist();
  void NoteWorkersChanged();

  SupervisorOptions options_;
  GpuBackend& gpus_;
  const Clock& clock_;
  ProcessLauncher& processes_;
  TimerFactory& timers_;
  HttpFetcher& health_probes_;
  Logger logger_;
  PortAllocator ports_;
  EngineMetricsScraper scraper_;
  std::unique_ptr<Timer> housekeeping_timer_;
  std::map<std::string, WorkerPointer> workers_;
  NodeInventory inventory_;
  bool recovered_ = false;
  bool shutting_down_ = false;
  std::optional<double> last_exit_reaction_seconds_;
  // workers_version(): this process's start, and the changes since.
  int64_t version_epoch_ = 0;
  uint64_t changes_ = 0;
  std::function<void()> on_workers_changed_;
};

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_SUPERVISOR_SUPERVISOR_H_
