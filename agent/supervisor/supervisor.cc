#include "agent/supervisor/supervisor.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <system_error>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>

#include "agent/supervisor/process_launcher.h"
#include "agent/supervisor/worker_lifecycle.h"
#include "agent/supervisor/worker_log.h"
#include "base/file.h"
#include "base/strings.h"
#include "engine/adapters/engine_adapter.h"

namespace tessera::agent {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

constexpr int kStateVersion = 1;

std::string PartitionLabel(const std::vector<int>& partitions) {
  std::vector<std::string> names;
  names.reserve(partitions.size());
  for (int partition : partitions) names.push_back(std::to_string(partition));
  return Join(names, ",");
}

// Running plus waiting requests from an engine's exposition, by the names
// its dialect uses; nullopt when neither is present.
std::optional<double> InFlightRequests(std::string_view exposition, wire::MetricDialect dialect) {
  const std::array<std::string_view, 2> names =
      dialect == wire::MetricDialect::kVllm
          ? std::array<std::string_view, 2>{"vllm:num_requests_running",
                                            "vllm:num_requests_waiting"}
          : std::array<std::string_view, 2>{"sglang:num_running_reqs", "sglang:num_queue_reqs"};
  std::optional<double> total;
  size_t start = 0;
  while (start < exposition.size()) {
    size_t end = exposition.find('\n', start);
    if (end == std::string_view::npos) end = exposition.size();
    const std::string_view line = exposition.substr(start, end - start);
    start = end + 1;
    for (std::string_view name : names) {
      if (!line.starts_with(name)) continue;
      const char next = line.size() > name.size() ? line[name.size()] : '\0';
      if (next != '{' && next != ' ') continue;
      const size_t value_start =
          line.find(' ', line.rfind('}') == std::string_view::npos ? name.size() : line.rfind('}'));
      if (value_start == std::string_view::npos) continue;
      try {
        total = total.value_or(0) + std::stod(std::string(line.substr(value_start + 1)));
      } catch (const std::exception&) {
        // A malformed sample is not a reason to stop draining.
      }
    }
  }
  return total;
}

std::optional<int> ExitCodeOf(const std::optional<std::string>& last_exit) {
  constexpr std::string_view kPrefix = "exit code ";
  if (!last_exit || !last_exit->starts_with(kPrefix)) return std::nullopt;
  return std::stoi(last_exit->substr(kPrefix.size()));
}

}  // namespace

struct Supervisor::Worker {
  Worker(boost::asio::io_context& io_context, std::string worker_id, wire::WorkerSpec worker_spec,
         const SupervisionPolicy& policy, std::chrono::milliseconds startup_timeout)
      : id(std::move(worker_id)),
        spec(std::move(worker_spec)),
        lifecycle(policy, startup_timeout),
        timer(io_context) {}

  std::string id;
  wire::WorkerSpec spec;
  std::optional<wire::WorkerSpec> next_spec;
  WorkerLifecycle lifecycle;
  adapters::LaunchPlan plan;
  ProcessIdentity process;
  bool our_child = false;
  bool adopted = false;
  int port = 0;
  std::optional<int> bootstrap_port;
  std::unique_ptr<boost::asio::posix::stream_descriptor> exit_watch;
  boost::asio::steady_timer timer;
  std::string log_path;
  std::string working_directory;
  // From the last scrape that answered.
  std::optional<double> scraped_in_flight;
  std::shared_ptr<const std::string> exposition;
  wire::WorkerState reported_state = wire::WorkerState::kPending;
  std::chrono::system_clock::time_point state_since{};
};

Supervisor::Supervisor(boost::asio::io_context& io_context, SupervisorOptions options,
                       GpuBackend& gpus, const Clock& clock, Logger logger)
    : io_context_(io_context),
      options_(std::move(options)),
      gpus_(gpus),
      clock_(clock),
      logger_(std::move(logger)),
      probe_client_(io_context, {.connect_timeout = options_.policy.probe_timeout,
                                 .read_timeout = options_.policy.probe_timeout,
                                 .total_timeout = options_.policy.probe_timeout,
                                 .timer_resolution = std::chrono::milliseconds(50)}),
      scrape_client_(io_context, {.connect_timeout = options_.scrape_timeout,
                                  .read_timeout = options_.scrape_timeout,
                                  .total_timeout = options_.scrape_timeout,
                                  .timer_resolution = std::chrono::milliseconds(50)}),
      ports_(options_.port_first, options_.port_last),
      scrape_timer_(io_context),
      engine_metrics_merger_(io_context, [this](EngineMetricsMerger::Merged merged) {
        engine_metric_lines_rejected_ += merged.rejected_lines;
        engine_metrics_ = std::move(merged);
      }) {}

Supervisor::~Supervisor() {
  shutting_down_ = true;
  scrape_timer_.cancel();
  for (auto& [id, worker] : workers_) {
    worker->timer.cancel();
    if (worker->exit_watch) worker->exit_watch->cancel();
  }
}

Status Supervisor::Recover() {
  std::error_code error;
  fs::create_directories(options_.state_directory / "workers", error);
  if (error) {
    return InternalError("cannot create state directory " + options_.state_directory.string() +
                         ": " + error.message());
  }
  fs::create_directories(options_.log_directory, error);
  if (error) {
    return InternalError("cannot create log directory " + options_.log_directory.string() + ": " +
                         error.message());
  }
  StatusOr<NodeInventory> inventory = gpus_.Read();
  if (!inventory.ok()) return inventory.status();
  inventory_ = *std::move(inventory);

  const fs::path state_file = options_.state_directory / "workers.json";
  if (fs::exists(state_file)) {
    TESSERA_ASSIGN_OR_RETURN(std::string text, ReadFile(state_file));
    nlohmann::json state = nlohmann::json::parse(text, nullptr, false);
    if (state.is_discarded() || !state.contains("workers")) {
      return InternalError("cannot read " + state_file.string() +
                           ": not the agent's state file; move it aside to start empty");
    }
    const SteadyClock::time_point now = clock_.Now();
    for (const nlohmann::json& record : state["workers"]) {
      const std::string id = record.value("id", "");
      StatusOr<wire::WorkerSpec> spec =
          wire::WorkerSpecFromJson(record.value("spec", nlohmann::json()));
      if (!spec.ok()) {
        logger_.Error("dropping unreadable worker record",
                      {{"worker", id}, {"error", spec.status()}});
        continue;
      }
      std::shared_ptr<Worker> worker = MakeWorker(id, *std::move(spec));
      worker->port = record.value("port", 0);
      if (record.contains("bootstrapPort"))
        worker->bootstrap_port = record["bootstrapPort"].get<int>();
      worker->lifecycle.RestoreRestarts(record.value("restarts", 0));
      worker->process = {.pid = record.value("pid", 0),
                         .start_ticks = record.value("startTicks", uint64_t{0})};
      const bool stopping = record.value("stopping", false);
      StatusOr<adapters::LaunchPlan> plan = Plan(*worker);
      if (plan.ok()) worker->plan = *std::move(plan);
      workers_[id] = worker;
      if (IsAlive(worker->process)) {
        worker->adopted = true;
        worker->lifecycle.Adopt(now, record.value("ready", false));
        WatchExit(worker);
        logger_.Info("adopted running worker",
                     {{"worker", id}, {"pid", worker->process.pid}, {"port", worker->port}});
        if (stopping) worker->lifecycle.Stop(now, options_.policy.default_grace);
      } else if (stopping) {
        worker->lifecycle.Stop(now, options_.policy.default_grace);
      } else {
        logger_.Warning("worker exited while the agent was down; restarting", {{"worker", id}});
        worker->lifecycle.RestoreRestarts(worker->lifecycle.restarts() + 1);
        worker->lifecycle.Start(now);
      }
    }
  }
  recovered_ = true;
  for (const auto& [id, worker] : std::map(workers_)) Pump(worker);
  Persist();
  ScheduleScrape();
  return OkStatus();
}

std::shared_ptr<Supervisor::Worker> Supervisor::MakeWorker(const std::string& id,
                                                           wire::WorkerSpec spec) {
  const std::chrono::milliseconds startup_timeout =
      spec.startup_timeout_seconds ? std::chrono::seconds(*spec.startup_timeout_seconds)
                                   : options_.policy.startup_timeout;
  auto worker =
      std::make_shared<Worker>(io_context_, id, std::move(spec), options_.policy, startup_timeout);
  worker->log_path = (options_.log_directory / (id + ".log")).string();
  worker->working_directory = (options_.state_directory / "workers" / id).string();
  worker->state_since = clock_.WallNow();
  return worker;
}

Status Supervisor::CheckSpec(const std::string& id, const wire::WorkerSpec& spec) const {
  if (!options_.engines.contains(spec.engine)) {
    std::vector<std::string> names;
    names.reserve(options_.engines.size());
    for (const auto& [name, installation] : options_.engines) names.push_back(name);
    return InvalidArgumentError("engine.kind: " + Quote(spec.engine) +
                                " is not in this agent's engine allow-list (" + Join(names, ", ") +
                                ")");
  }
  const std::vector<const GpuPartition*> partitions = inventory_.Partitions();
  for (size_t i = 0; i < spec.partitions.size(); ++i) {
    const int partition = spec.partitions[i];
    if (inventory_.FindPartition(partition) == nullptr) {
      return InvalidArgumentError(
          "partitions[" + std::to_string(i) + "]: partition " + std::to_string(partition) +
          " does not exist on this node" +
          (partitions.empty() ? std::string(" (it has no GPU partitions)")
                              : " (it has " + std::to_string(partitions.size()) + ", numbered 0-" +
                                    std::to_string(partitions.size() - 1) + ")"));
    }
  }
  TESSERA_RETURN_IF_ERROR(CheckPartitionsFree(id, spec.partitions));
  if (spec.bootstrap_port) {
    TESSERA_RETURN_IF_ERROR(CheckBootstrapPortFree(id, *spec.bootstrap_port));
  }
  return OkStatus();
}

Status Supervisor::CheckPartitionsFree(const std::string& id,
                                       const std::vector<int>& partitions) const {
  for (const auto& [other_id, other] : workers_) {
    if (other_id == id) continue;
    // A worker holds its partitions until its process is gone, and a worker
    // being replaced holds its next spec's too, from the moment it was asked.
    const bool current = other->lifecycle.state() != wire::WorkerState::kStopped;
    for (int partition : partitions) {
      const auto holds = [partition](const wire::WorkerSpec& spec) {
        return std::find(spec.partitions.begin(), spec.partitions.end(), partition) !=
               spec.partitions.end();
      };
      if ((current && holds(other->spec)) || (other->next_spec && holds(*other->next_spec))) {
        return AlreadyExistsError(
            "partitions: partition " + std::to_string(partition) + " is held by worker " +
            Quote(other_id) + " (" + std::string(wire::WorkerStateName(other->lifecycle.state())) +
            (current && holds(other->spec) ? "" : ", which is moving onto it") + ")");
      }
    }
  }
  return OkStatus();
}

Status Supervisor::CheckBootstrapPortFree(const std::string& id, int port) const {
  const std::string what = "bootstrapPort: port " + std::to_string(port);
  if (options_.reserved_ports.contains(port)) {
    return AlreadyExistsError(what + " is the agent's own");
  }
  for (const auto& [other_id, other] : workers_) {
    const bool held = other->port == port || other->bootstrap_port == port ||
                      (other->next_spec && other->next_spec->bootstrap_port == port);
    if (!held) continue;
    if (other_id == id) return OkStatus();  // its own, already bound by it
    return AlreadyExistsError(what + " is held by worker " + Quote(other_id));
  }
  if (!IsPortFree(port)) return AlreadyExistsError(what + " is in use on this node");
  return OkStatus();
}

StatusOr<adapters::LaunchPlan> Supervisor::Plan(const Worker& worker) const {
  const auto installation = options_.engines.find(worker.spec.engine);
  if (installation == options_.engines.end()) {
    return InvalidArgumentError("engine.kind: " + Quote(worker.spec.engine) +
                                " is not in this agent's engine allow-list");
  }
  adapters::LaunchContext context{.host = options_.bind_host,
                                  .port = worker.port,
                                  .bootstrap_port = worker.bootstrap_port,
                                  .devices = worker.spec.partitions,
                                  .hardware = {}};
  if (const GpuPartition* partition = inventory_.FindPartition(worker.spec.partitions.front());
      partition != nullptr) {
    if (const GpuDevice* gpu = inventory_.GpuOf(*partition);
        gpu != nullptr && !gpu->product.empty()) {
      context.hardware = gpu->product + ":" + hardware::PartitionModeName(gpu->partition_mode);
    }
  }
  return adapters::AdapterFor(installation->second.kind)
      .Plan(installation->second, worker.spec.settings, worker.spec.role, context);
}

std::set<int> Supervisor::HeldPorts() const {
  std::set<int> held = options_.reserved_ports;
  for (const auto& [id, worker] : workers_) {
    if (worker->port != 0) held.insert(worker->port);
    if (worker->bootstrap_port) held.insert(*worker->bootstrap_port);
  }
  return held;
}

Status Supervisor::AssignPorts(Worker& worker) {
  TESSERA_ASSIGN_OR_RETURN(worker.port, ports_.Allocate(HeldPorts()));
  worker.bootstrap_port = worker.spec.bootstrap_port;
  const bool serves_bootstrap =
      worker.spec.role == wire::WorkerRole::kPrefill &&
      options_.engines.at(worker.spec.engine).kind != wire::EngineKind::kVllm;
  if (serves_bootstrap && !worker.bootstrap_port) {
    std::set<int> held = HeldPorts();
    held.insert(worker.port);
    TESSERA_ASSIGN_OR_RETURN(int bootstrap_port, ports_.Allocate(held));
    worker.bootstrap_port = bootstrap_port;
  }
  return OkStatus();
}

StatusOr<Supervisor::ApplyOutcome> Supervisor::Apply(const std::string& id, wire::WorkerSpec spec) {
  TESSERA_RETURN_IF_ERROR(wire::ValidateWorkerId(id));
  TESSERA_RETURN_IF_ERROR(CheckSpec(id, spec));
  const auto existing = workers_.find(id);
  if (existing != workers_.end()) {
    Worker& worker = *existing->second;
    const bool stopping = worker.lifecycle.stop_requested();
    if (worker.spec == spec && !stopping) return ApplyOutcome::kUnchanged;
    if (worker.next_spec == spec) return ApplyOutcome::kUnchanged;
    // The new spec starts once the old process is gone, so the two never
    // share partitions.
    worker.next_spec = std::move(spec);
    if (!stopping) {
      logger_.Info("spec changed; replacing worker", {{"worker", id}});
      worker.lifecycle.Stop(clock_.Now(), options_.policy.default_grace);
    }
    Pump(existing->second);
    Persist();
    return ApplyOutcome::kReplaced;
  }
  std::shared_ptr<Worker> worker = MakeWorker(id, std::move(spec));
  TESSERA_RETURN_IF_ERROR(AssignPorts(*worker));
  TESSERA_ASSIGN_OR_RETURN(worker->plan, Plan(*worker));
  workers_[id] = worker;
  logger_.Info("worker created", {{"worker", id},
                                  {"engine", worker->spec.engine},
                                  {"partitions", PartitionLabel(worker->spec.partitions)},
                                  {"port", worker->port}});
  worker->lifecycle.Start(clock_.Now());
  Pump(worker);
  Persist();
  return ApplyOutcome::kCreated;
}

Status Supervisor::Delete(const std::string& id, std::optional<std::chrono::milliseconds> grace) {
  const auto it = workers_.find(id);
  if (it == workers_.end()) return NotFoundError("no worker " + Quote(id) + " on this node");
  std::shared_ptr<Worker> worker = it->second;
  worker->next_spec.reset();
  worker->lifecycle.Stop(clock_.Now(), grace.value_or(options_.policy.default_grace));
  logger_.Info("stopping worker",
               {{"worker", id}, {"grace", grace.value_or(options_.policy.default_grace)}});
  Pump(worker);
  Persist();
  return OkStatus();
}

void Supervisor::Pump(const std::shared_ptr<Worker>& worker) {
  if (shutting_down_) return;
  const SteadyClock::time_point now = clock_.Now();
  for (const WorkerAction& action : worker->lifecycle.Due(now)) {
    switch (action.kind) {
      case WorkerAction::Kind::kSpawn:
        Spawn(worker);
        break;
      case WorkerAction::Kind::kProbe:
        Probe(worker);
        break;
      case WorkerAction::Kind::kReadLoad:
        ReadLoad(worker);
        break;
      case WorkerAction::Kind::kSignal: {
        const char* signal = action.signal == SIGKILL ? "SIGKILL" : "SIGTERM";
        logger_.Info("signalling worker",
                     {{"worker", worker->id}, {"pid", worker->process.pid}, {"signal", signal}});
        const int pidfd = worker->exit_watch ? worker->exit_watch->native_handle() : -1;
        if (Status sent = SignalProcessGroup(worker->process, pidfd, action.signal); !sent.ok()) {
          logger_.Warning("cannot signal worker; will retry",
                          {{"worker", worker->id}, {"signal", signal}, {"error", sent}});
          worker->lifecycle.SignalFailed(now, action.signal, sent.message());
        }
        break;
      }
    }
  }
  const wire::WorkerState state = worker->lifecycle.state();
  if (state != worker->reported_state) {
    const bool persist =
        state == wire::WorkerState::kReady || worker->reported_state == wire::WorkerState::kReady;
    logger_.Info("worker state", {{"worker", worker->id},
                                  {"from", wire::WorkerStateName(worker->reported_state)},
                                  {"to", wire::WorkerStateName(state)},
                                  {"reason", worker->lifecycle.reason()}});
    worker->reported_state = state;
    worker->state_since = clock_.WallNow();
    if (persist) Persist();
  }
  if (state == wire::WorkerState::kStopped) {
    Finish(worker);
    return;
  }
  ArmTimer(worker);
}

void Supervisor::ArmTimer(const std::shared_ptr<Worker>& worker) {
  const std::optional<SteadyClock::time_point> wakeup = worker->lifecycle.NextWakeup();
  if (!wakeup) {
    worker->timer.cancel();
    return;
  }
  // The lifecycle's deadlines are on the injected clock; the timer waits the
  // same span of real time.
  worker->timer.expires_after(*wakeup - clock_.Now());
  std::weak_ptr<Worker> weak = worker;
  worker->timer.async_wait([this, weak](const boost::system::error_code& error) {
    if (error) return;
    if (std::shared_ptr<Worker> alive = weak.lock()) Pump(alive);
  });
}

void Supervisor::Spawn(const std::shared_ptr<Worker>& worker) {
  const SteadyClock::time_point now = clock_.Now();
  std::error_code error;
  fs::create_directories(worker->working_directory, error);
  StatusOr<adapters::LaunchPlan> plan = Plan(*worker);
  if (!plan.ok()) {
    worker->lifecycle.SpawnFailed(now, plan.status().message());
    return;
  }
  worker->plan = *std::move(plan);
  // Checked again at every start, not only when the spec arrived: no path
  // (a replacement, a restart) may put two engines on one partition.
  if (Status free = CheckPartitionsFree(worker->id, worker->spec.partitions); !free.ok()) {
    logger_.Error("cannot start worker", {{"worker", worker->id}, {"error", free}});
    worker->lifecycle.SpawnFailed(now, free.message());
    return;
  }
  StatusOr<ProcessIdentity> process = LaunchProcess({.argv = worker->plan.argv,
                                                     .env = worker->plan.env,
                                                     .working_directory = worker->working_directory,
                                                     .log_path = worker->log_path});
  if (!process.ok()) {
    logger_.Error("cannot start worker", {{"worker", worker->id}, {"error", process.status()}});
    worker->lifecycle.SpawnFailed(now, process.status().message());
    return;
  }
  worker->process = *process;
  worker->our_child = true;
  worker->adopted = false;
  worker->scraped_in_flight.reset();
  worker->exposition.reset();
  MergeEngineMetrics();
  worker->lifecycle.Spawned(now);
  logger_.Info("worker started", {{"worker", worker->id},
                                  {"pid", worker->process.pid},
                                  {"port", worker->port},
                                  {"argv", Join(worker->plan.argv, " ")}});
  WatchExit(worker);
  Persist();
}

void Supervisor::WatchExit(const std::shared_ptr<Worker>& worker) {
  const int descriptor = OpenProcessDescriptor(worker->process.pid);
  if (descriptor < 0) {
    const int error = errno;
    if (error != ESRCH) {
      // Out of descriptors, say: the process may well be alive, so it is
      // not reported gone; watching is tried again shortly.
      logger_.Warning("cannot watch worker process; retrying",
                      {{"worker", worker->id},
                       {"error", std::error_code(error, std::generic_category()).message()}});
      auto retry = std::make_shared<boost::asio::steady_timer>(io_context_,
                                                               options_.policy.signal_retry_period);
      retry->async_wait([this, retry, weak = std::weak_ptr<Worker>(worker),
                         process = worker->process](const boost::system::error_code& wait_error) {
        std::shared_ptr<Worker> alive = weak.lock();
        if (wait_error || shutting_down_ || !alive || !(alive->process == process)) return;
        if (alive->lifecycle.process_running() && !alive->exit_watch) WatchExit(alive);
      });
      return;
    }
    // The process is already gone.
    const std::string how =
        worker->our_child ? ReapAndDescribe(worker->process.pid) : "exited (exit status unknown)";
    boost::asio::post(io_context_, [this, weak = std::weak_ptr<Worker>(worker), how] {
      if (std::shared_ptr<Worker> alive = weak.lock()) {
        alive->lifecycle.Exited(clock_.Now(), how);
        Pump(alive);
      }
    });
    return;
  }
  worker->exit_watch =
      std::make_unique<boost::asio::posix::stream_descriptor>(io_context_, descriptor);
  AwaitExit(worker);
}

void Supervisor::AwaitExit(const std::shared_ptr<Worker>& worker) {
  const ProcessIdentity process = worker->process;
  worker->exit_watch->async_wait(
      boost::asio::posix::stream_descriptor::wait_read,
      [this, weak = std::weak_ptr<Worker>(worker),
       process](const boost::system::error_code& error) {
        if (error) return;
        std::shared_ptr<Worker> alive = weak.lock();
        if (!alive || !(alive->process == process) || !alive->exit_watch) return;
        // A wait completes on readiness as the reactor saw it, and that has
        // been seen to be spurious: with 50 workers started at once, several
        // exit watches fired while their process ran and poll() said the
        // descriptor was not readable. Taken at its word, a worker would be
        // marked exited while it still runs and started again beside itself,
        // so the kernel is asked directly.
        if (!ProcessExited(alive->exit_watch->native_handle())) {
          AwaitExit(alive);
          return;
        }
        const SteadyClock::time_point noticed = clock_.Now();
        const std::string how = alive->our_child ? ReapAndDescribe(process.pid)
                                                 : "exited (adopted; exit status unknown)";
        alive->exit_watch.reset();
        alive->exposition.reset();
        alive->lifecycle.Exited(noticed, how);
        last_exit_reaction_seconds_ = std::chrono::duration<double>(clock_.Now() - noticed).count();
        logger_.Info("worker exited", {{"worker", alive->id}, {"how", how}});
        Pump(alive);
        Persist();
        MergeEngineMetrics();
      });
}

void Supervisor::Probe(const std::shared_ptr<Worker>& worker) {
  const std::string url =
      "http://127.0.0.1:" + std::to_string(worker->port) + worker->plan.health_path;
  std::weak_ptr<Worker> weak = worker;
  probe_client_.Fetch(
      http::HttpClientRequest{.url = url},
      [this, weak](const StatusOr<http::HttpClientResponse>& response) {
        std::shared_ptr<Worker> alive = weak.lock();
        if (!alive || shutting_down_) return;
        if (!response.ok() && response.status().code() == StatusCode::kResourceExhausted) {
          // The agent could not open a connection (out of descriptors):
          // nothing is known about the engine, so nothing is held against it.
          logger_.Warning("probe not made", {{"worker", alive->id}, {"error", response.status()}});
          alive->lifecycle.ProbeInconclusive(clock_.Now());
        } else {
          alive->lifecycle.ProbeFinished(clock_.Now(), response.ok(),
                                         response.ok() ? "" : response.status().message());
        }
        Pump(alive);
      });
}

void Supervisor::ReadLoad(const std::shared_ptr<Worker>& worker) {
  const std::string url =
      "http://127.0.0.1:" + std::to_string(worker->port) + worker->plan.metrics_path;
  std::weak_ptr<Worker> weak = worker;
  scrape_client_.Fetch(http::HttpClientRequest{.url = url},
                       [this, weak](const StatusOr<http::HttpClientResponse>& response) {
                         std::shared_ptr<Worker> alive = weak.lock();
                         if (!alive || shutting_down_) return;
                         std::optional<double> in_flight;
                         if (response.ok()) {
                           in_flight = InFlightRequests(response->body, alive->plan.dialect);
                         }
                         alive->lifecycle.LoadRead(clock_.Now(), in_flight);
                         Pump(alive);
                       });
}

void Supervisor::Finish(const std::shared_ptr<Worker>& stopped) {
  // `stopped` may be the very map entry erased below (Apply pumps the map's
  // own pointer); this copy keeps the worker alive until the end, which is
  // what clang-tidy cannot see.
  // NOLINTNEXTLINE(performance-unnecessary-copy-initialization)
  const std::shared_ptr<Worker> worker = stopped;
  worker->exposition.reset();
  MergeEngineMetrics();
  worker->timer.cancel();
  worker->exit_watch.reset();
  if (worker->next_spec) {
    // Replace: same id, new spec, fresh lifecycle.
    wire::WorkerSpec spec = *std::move(worker->next_spec);
    const int restarts = worker->lifecycle.restarts();
    workers_.erase(worker->id);
    std::shared_ptr<Worker> replacement = MakeWorker(worker->id, std::move(spec));
    replacement->lifecycle.RestoreRestarts(restarts);
    if (Status status = AssignPorts(*replacement); !status.ok()) {
      logger_.Error("cannot replace worker", {{"worker", worker->id}, {"error", status}});
      Persist();
      return;
    }
    workers_[worker->id] = replacement;
    replacement->lifecycle.Start(clock_.Now());
    Pump(replacement);
  } else {
    logger_.Info("worker removed", {{"worker", worker->id}});
    workers_.erase(worker->id);
  }
  Persist();
}

void Supervisor::ScheduleScrape() {
  scrape_timer_.expires_after(options_.scrape_period);
  scrape_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error || shutting_down_) return;
    ScrapeAll();
    RefreshInventory();
    RotateLogs();
    ScheduleScrape();
  });
}

void Supervisor::ScrapeAll() {
  // A round still answering (an engine slower than the period) is left to
  // finish; its merge comes when it does.
  if (scrapes_in_flight_ > 0) return;
  for (const auto& [id, worker] : workers_) {
    const wire::WorkerState state = worker->lifecycle.state();
    if (state != wire::WorkerState::kReady && state != wire::WorkerState::kDraining) continue;
    const std::string url =
        "http://127.0.0.1:" + std::to_string(worker->port) + worker->plan.metrics_path;
    std::weak_ptr<Worker> weak = worker;
    ++scrapes_in_flight_;
    scrape_client_.Fetch(
        http::HttpClientRequest{.url = url},
        [this, weak](StatusOr<http::HttpClientResponse> response) {
          if (shutting_down_) return;
          std::shared_ptr<Worker> alive = weak.lock();
          if (alive && response.ok()) {
            alive->scraped_in_flight = InFlightRequests(response->body, alive->plan.dialect);
            alive->exposition = std::make_shared<const std::string>(std::move(response->body));
          } else if (alive) {
            // It keeps its last metrics.
            ++engine_scrape_failures_;
          }
          if (--scrapes_in_flight_ == 0) MergeEngineMetrics();
        });
  }
}

void Supervisor::MergeEngineMetrics() {
  std::vector<EngineMetricsMerger::Source> sources;
  for (const auto& [id, worker] : workers_) {
    if (!worker->exposition || !worker->lifecycle.process_running()) continue;
    sources.push_back({.labels = {{"worker", worker->id},
                                  {"deployment", worker->spec.deployment},
                                  {"role", std::string(wire::WorkerRoleName(worker->spec.role))},
                                  {"partition", PartitionLabel(worker->spec.partitions)}},
                       .exposition = worker->exposition});
  }
  engine_metrics_merger_.Merge(std::move(sources));
}

void Supervisor::RotateLogs() {
  for (const auto& [id, worker] : workers_) {
    StatusOr<bool> rotated =
        RotateLogIfLarger(worker->log_path, options_.log_max_bytes, options_.log_max_files);
    if (!rotated.ok())
      logger_.Warning("cannot rotate worker log", {{"worker", id}, {"error", rotated.status()}});
  }
}

void Supervisor::RefreshInventory() {
  std::vector<PartitionWorkload> workloads;
  for (const auto& [id, worker] : workers_) {
    if (!worker->lifecycle.process_running()) continue;
    const std::optional<double> in_flight = worker->scraped_in_flight;
    for (int index : worker->spec.partitions) {
      const GpuPartition* partition = inventory_.FindPartition(index);
      if (partition == nullptr) continue;
      const double utilization = worker->spec.settings.gpu_memory_utilization.value_or(0.9);
      workloads.push_back(
          {.partition = index,
           .reserved_vram_bytes =
               worker->lifecycle.state() == wire::WorkerState::kStarting
                   ? 0
                   : static_cast<int64_t>(utilization *
                                          static_cast<double>(partition->vram_total_bytes)),
           // A decoding engine keeps its compute units busy whenever it has
           // work; a handful of sequences saturates a partition.
           .busy_percent = std::min(100.0, 25.0 * in_flight.value_or(0))});
    }
  }
  gpus_.ObserveWorkloads(workloads);
  StatusOr<NodeInventory> inventory = gpus_.Read();
  if (inventory.ok()) {
    inventory_ = *std::move(inventory);
  } else {
    logger_.Warning("cannot read GPU inventory", {{"error", inventory.status()}});
  }
}

void Supervisor::Persist() {
  nlohmann::json records = nlohmann::json::array();
  for (const auto& [id, worker] : workers_) {
    nlohmann::json record = {
        {"id", id},
        {"spec", wire::WorkerSpecToJson(worker->next_spec.value_or(worker->spec))},
        {"port", worker->port},
        {"restarts", worker->lifecycle.restarts()},
        {"ready", worker->lifecycle.state() == wire::WorkerState::kReady},
        {"stopping", worker->lifecycle.stop_requested() && !worker->next_spec},
    };
    if (worker->bootstrap_port) record["bootstrapPort"] = *worker->bootstrap_port;
    if (worker->lifecycle.process_running()) {
      record["pid"] = worker->process.pid;
      record["startTicks"] = worker->process.start_ticks;
    }
    records.push_back(std::move(record));
  }
  const nlohmann::json state = {{"version", kStateVersion}, {"workers", std::move(records)}};
  if (Status status = WriteFileAtomically(options_.state_directory / "workers.json", state.dump(1));
      !status.ok()) {
    logger_.Error("cannot persist worker state", {{"error", status}});
  }
}

std::string Supervisor::WorkerUrl(int port) const {
  return "http://" + options_.advertise_host + ":" + std::to_string(port);
}

WorkerStatus Supervisor::StatusOf(const Worker& worker) const {
  const WorkerLifecycle& lifecycle = worker.lifecycle;
  WorkerStatus status;
  static_cast<wire::WorkerStatus&>(status) = {
      .id = worker.id,
      .spec = worker.spec,
      .state = lifecycle.state(),
      .state_since = worker.state_since,
      .pid = lifecycle.process_running() ? worker.process.pid : 0,
      .port = worker.port,
      .bootstrap_port = worker.bootstrap_port,
      .url = WorkerUrl(worker.port),
      .restarts = lifecycle.restarts(),
      .crash_loop = lifecycle.crash_looping(),
      .reason = lifecycle.reason(),
      .last_exit = lifecycle.last_exit(),
      .last_failure = lifecycle.last_failure(),
      .last_exit_code = ExitCodeOf(lifecycle.last_exit()),
      .startup_seconds = lifecycle.startup_seconds(),
      .in_flight = worker.scraped_in_flight ? worker.scraped_in_flight : lifecycle.in_flight(),
      .next_restart = {},
      .dialect = worker.plan.dialect,
      .adopted = worker.adopted,
      .replacing = worker.next_spec.has_value(),
  };
  status.log_path = worker.log_path;
  if (lifecycle.state() != wire::WorkerState::kStopped)
    status.held_partitions = worker.spec.partitions;
  if (worker.next_spec) {
    for (int partition : worker.next_spec->partitions) {
      if (std::find(status.held_partitions.begin(), status.held_partitions.end(), partition) ==
          status.held_partitions.end()) {
        status.held_partitions.push_back(partition);
      }
    }
  }
  const wire::WorkerState state = lifecycle.state();
  if (state == wire::WorkerState::kBackoff || state == wire::WorkerState::kFailed) {
    status.next_restart =
        clock_.WallNow() + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                               lifecycle.next_spawn() - clock_.Now());
  }
  return status;
}

std::vector<WorkerStatus> Supervisor::Workers() const {
  std::vector<WorkerStatus> statuses;
  statuses.reserve(workers_.size());
  for (const auto& [id, worker] : workers_) statuses.push_back(StatusOf(*worker));
  return statuses;
}

StatusOr<WorkerStatus> Supervisor::GetWorker(const std::string& id) const {
  const auto it = workers_.find(id);
  if (it == workers_.end()) return NotFoundError("no worker " + Quote(id) + " on this node");
  return StatusOf(*it->second);
}

StatusOr<std::string> Supervisor::Logs(const std::string& id, int lines) const {
  const auto it = workers_.find(id);
  if (it == workers_.end()) return NotFoundError("no worker " + Quote(id) + " on this node");
  return TailLog(it->second->log_path, lines, int64_t{4} << 20);
}

}  // namespace tessera::agent
