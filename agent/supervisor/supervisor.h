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
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "agent/gpu/gpu_backend.h"
#include "agent/metrics/engine_metrics_merger.h"
#include "agent/supervisor/port_allocator.h"
#include "agent/supervisor/supervision_policy.h"
#include "agent/supervisor/worker_status.h"
#include "base/clock.h"
#include "base/logging.h"
#include "base/status.h"
#include "engine/adapters/launch_plan.h"
#include "http/http_client.h"
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
  // Host in worker URLs: how the controller and router reach this node.
  std::string advertise_host = "127.0.0.1";
  // Engine /metrics scrapes (merged into the agent's /metrics), the GPU
  // inventory refresh and log rotation.
  std::chrono::milliseconds scrape_period{2'000};
  std::chrono::milliseconds scrape_timeout{1'000};
};

class Supervisor {
 public:
  enum class ApplyOutcome { kCreated, kUnchanged, kReplaced };

  // Not owned: `gpus` and `clock` must outlive the supervisor.
  Supervisor(boost::asio::io_context& io_context, SupervisorOptions options, GpuBackend& gpus,
             const Clock& clock, Logger logger);
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
  const std::string& EngineMetricsText() const { return *engine_metrics_.text; }
  // The same, as one gzip member; empty when compression failed.
  const std::string& EngineMetricsGzip() const { return *engine_metrics_.gzip; }
  // True once Recover() succeeded.
  bool recovered() const { return recovered_; }

  // Counters for the agent's own metrics.
  int64_t engine_scrape_failures() const { return engine_scrape_failures_; }
  int64_t engine_metric_lines_rejected() const { return engine_metric_lines_rejected_; }
  // Seconds from a worker's exit being noticed to its restart being
  // scheduled, for the last exit (the supervisor's reaction time).
  std::optional<double> last_exit_reaction_seconds() const { return last_exit_reaction_seconds_; }

 private:
  struct Worker;

  std::shared_ptr<Worker> MakeWorker(const std::string& id, wire::WorkerSpec spec);
  Status CheckSpec(const std::string& id, const wire::WorkerSpec& spec) const;
  // AlreadyExists naming the worker that holds (or is moving onto) one of
  // `partitions`, other than worker `id`.
  Status CheckPartitionsFree(const std::string& id, const std::vector<int>& partitions) const;
  // AlreadyExists when `port` is the agent's, another worker's, or bound by
  // some other process on this node.
  Status CheckBootstrapPortFree(const std::string& id, int port) const;
  StatusOr<adapters::LaunchPlan> Plan(const Worker& worker) const;
  Status AssignPorts(Worker& worker);
  std::set<int> HeldPorts() const;
  void Pump(const std::shared_ptr<Worker>& worker);
  void Spawn(const std::shared_ptr<Worker>& worker);
  // Opens a process descriptor for the worker's process and awaits its exit.
  void WatchExit(const std::shared_ptr<Worker>& worker);
  void AwaitExit(const std::shared_ptr<Worker>& worker);
  void Probe(const std::shared_ptr<Worker>& worker);
  void ReadLoad(const std::shared_ptr<Worker>& worker);
  // Forgets (or replaces) a stopped worker.
  void Finish(const std::shared_ptr<Worker>& stopped);
  void ArmTimer(const std::shared_ptr<Worker>& worker);
  void ScrapeAll();
  // Hands the running workers' last expositions to the merger.
  void MergeEngineMetrics();
  void ScheduleScrape();
  void RefreshInventory();
  void RotateLogs();
  void Persist();
  WorkerStatus StatusOf(const Worker& worker) const;
  std::string WorkerUrl(int port) const;

  boost::asio::io_context& io_context_;
  SupervisorOptions options_;
  GpuBackend& gpus_;
  const Clock& clock_;
  Logger logger_;
  http::HttpClient probe_client_;
  http::HttpClient scrape_client_;
  PortAllocator ports_;
  boost::asio::steady_timer scrape_timer_;
  std::map<std::string, std::shared_ptr<Worker>> workers_;
  NodeInventory inventory_;
  bool recovered_ = false;
  bool shutting_down_ = false;
  int64_t engine_scrape_failures_ = 0;
  int64_t engine_metric_lines_rejected_ = 0;
  int scrapes_in_flight_ = 0;
  EngineMetricsMerger::Merged engine_metrics_{.text = std::make_shared<const std::string>(),
                                              .gzip = std::make_shared<const std::string>(),
                                              .rejected_lines = 0};
  EngineMetricsMerger engine_metrics_merger_;
  std::optional<double> last_exit_reaction_seconds_;
};

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_SUPERVISOR_SUPERVISOR_H_
