#include "agent/supervisor/supervisor.h"

#include <algorithm>
#include <csignal>
#include <system_error>

#include "agent/supervisor/worker_admission.h"
#include "agent/supervisor/worker_launch_plan.h"
#include "agent/supervisor/worker_log.h"
#include "agent/supervisor/worker_state_file.h"
#include "base/strings.h"

namespace tessera::agent {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

// An engine's endpoint as the agent reaches it, on the loopback whatever
// address the engine binds.
std::string LocalUrl(int port, const std::string& path) {
  return "http://127.0.0.1:" + std::to_string(port) + path;
}

}  // namespace

Supervisor::Supervisor(boost::asio::io_context& loop, SupervisorOptions options,
                       SupervisorServices services, Logger logger)
    : options_(std::move(options)),
      gpus_(services.gpus),
      clock_(services.clock),
      processes_(services.processes),
      timers_(services.timers),
      health_probes_(services.health_probes),
      logger_(std::move(logger)),
      ports_(options_.port_first, options_.port_last, std::move(services.port_is_free)),
      scraper_(loop, services.engine_metrics),
      housekeeping_timer_(timers_.MakeTimer()),
      version_epoch_(
          std::chrono::duration_cast<std::chrono::milliseconds>(clock_.WallNow().time_since_epoch())
              .count()) {}

Supervisor::~Supervisor() {
  shutting_down_ = true;
  housekeeping_timer_->Cancel();
  for (auto& [id, worker] : workers_) {
    worker->timer->Cancel();
    // Stops watching; the process runs on for the next agent to adopt.
    worker->process.reset();
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

  TESSERA_ASSIGN_OR_RETURN(WorkerStateReading state,
                           ReadWorkerState(options_.state_directory / "workers.json"));
  for (const Status& dropped : state.dropped) {
    logger_.Error("dropping unreadable worker record", {{"error", dropped}});
  }
  const SteadyClock::time_point now = clock_.Now();
  for (PersistedWorker& record : state.workers) {
    const std::string id = record.id;
    WorkerPointer worker = MakeWorker(id, std::move(record.spec));
    worker->port = record.port;
    worker->bootstrap_port = record.bootstrap_port;
    worker->lifecycle.RestoreRestarts(record.restarts);
    StatusOr<adapters::LaunchPlan> plan = Plan(*worker);
    if (plan.ok()) worker->plan = *std::move(plan);
    workers_[id] = worker;
    if (record.process) worker->process = processes_.Adopt(*record.process, ExitHandler(worker));
    if (worker->process) {
      worker->adopted = true;
      scraper_.Started(*worker->metrics);
      worker->lifecycle.Adopt(now, record.ready);
      logger_.Info("adopted running worker",
                   {{"worker", id}, {"pid", record.process->pid}, {"port", worker->port}});
      if (record.stopping) worker->lifecycle.Stop(now, options_.policy.default_grace);
    } else if (record.stopping) {
      worker->lifecycle.Stop(now, options_.policy.default_grace);
    } else {
      logger_.Warning("worker exited while the agent was down; restarting", {{"worker", id}});
      worker->lifecycle.RestoreRestarts(worker->lifecycle.restarts() + 1);
      worker->lifecycle.Start(now);
    }
  }
  recovered_ = true;
  for (const auto& [id, worker] : std::map(workers_)) Pump(worker);
  Persist();
  ScheduleHousekeeping();
  return OkStatus();
}

Supervisor::WorkerPointer Supervisor::MakeWorker(const std::string& id, wire::WorkerSpec spec) {
  const std::chrono::milliseconds startup_timeout =
      spec.startup_timeout_seconds ? std::chrono::seconds(*spec.startup_timeout_seconds)
                                   : options_.policy.startup_timeout;
  auto worker =
      std::make_shared<SupervisedWorker>(id, std::move(spec), options_.policy, startup_timeout);
  worker->log_path = (options_.log_directory / (id + ".log")).string();
  worker->working_directory = (options_.state_directory / "workers" / id).string();
  worker->state_since = clock_.WallNow();
  worker->timer = timers_.MakeTimer();
  worker->metrics =
      scraper_.Add(id, {{"worker", id},
                        {"namespace", worker->spec.namespace_name},
                        {"deployment", worker->spec.deployment},
                        {"role", std::string(wire::WorkerRoleName(worker->spec.role))},
                        {"partition", Join(worker->spec.partitions, ",")},
                        {"hostname", options_.hostname}});
  return worker;
}

Status Supervisor::CheckSpec(const std::string& id, const wire::WorkerSpec& spec) const {
  TESSERA_RETURN_IF_ERROR(CheckEngineAllowed(spec, options_.engines));
  TESSERA_RETURN_IF_ERROR(CheckEngineRunsRole(spec, options_.engines));
  TESSERA_RETURN_IF_ERROR(CheckPartitionsExist(spec, inventory_));
  TESSERA_RETURN_IF_ERROR(CheckPartitionsFree(id, spec.partitions, workers_));
  if (spec.bootstrap_port) {
    TESSERA_RETURN_IF_ERROR(CheckBootstrapPortFree(id, *spec.bootstrap_port, workers_,
                                                   options_.reserved_ports, ports_));
  }
  return OkStatus();
}

StatusOr<adapters::LaunchPlan> Supervisor::Plan(const SupervisedWorker& worker) const {
  return PlanWorkerLaunch(worker.spec,
                          {.bind_host = options_.bind_host,
                           .port = worker.port,
                           .bootstrap_port = worker.bootstrap_port,
                           .admin_token_file = options_.admin_token_file},
                          options_.engines, inventory_);
}

std::set<int> Supervisor::HeldPorts() const {
  std::set<int> held = options_.reserved_ports;
  for (const auto& [id, worker] : workers_) {
    if (worker->port != 0) held.insert(worker->port);
    if (worker->bootstrap_port) held.insert(*worker->bootstrap_port);
  }
  return held;
}

Status Supervisor::AssignPorts(SupervisedWorker& worker) {
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
    SupervisedWorker& worker = *existing->second;
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
  WorkerPointer worker = MakeWorker(id, std::move(spec));
  TESSERA_RETURN_IF_ERROR(AssignPorts(*worker));
  TESSERA_ASSIGN_OR_RETURN(worker->plan, Plan(*worker));
  workers_[id] = worker;
  logger_.Info("worker created", {{"worker", id},
                                  {"engine", worker->spec.engine},
                                  {"partitions", Join(worker->spec.partitions, ",")},
                                  {"port", worker->port}});
  worker->lifecycle.Start(clock_.Now());
  Pump(worker);
  Persist();
  return ApplyOutcome::kCreated;
}

Status Supervisor::Delete(const std::string& id, std::optional<std::chrono::milliseconds> grace) {
  const auto it = workers_.find(id);
  if (it == workers_.end()) return NotFoundError("no worker " + Quote(id) + " on this node");
  WorkerPointer worker = it->second;
  worker->next_spec.reset();
  worker->lifecycle.Stop(clock_.Now(), grace.value_or(options_.policy.default_grace));
  logger_.Info("stopping worker",
               {{"worker", id}, {"grace", grace.value_or(options_.policy.default_grace)}});
  Pump(worker);
  Persist();
  return OkStatus();
}

void Supervisor::Pump(const WorkerPointer& worker) {
  if (shutting_down_) return;
  for (const WorkerAction& action : worker->lifecycle.Due(clock_.Now())) {
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
      case WorkerAction::Kind::kSignal:
        Signal(worker, action.signal);
        break;
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
    if (persist) {
      Persist();
    } else {
      NoteWorkersChanged();
    }
  }
  if (state == wire::WorkerState::kStopped) {
    Finish(worker);
    return;
  }
  ArmTimer(worker);
}

void Supervisor::Signal(const WorkerPointer& worker, int signal) {
  const char* name = signal == SIGKILL ? "SIGKILL" : "SIGTERM";
  const int pid = worker->process ? worker->process->identity().pid : 0;
  logger_.Info("signalling worker", {{"worker", worker->id}, {"pid", pid}, {"signal", name}});
  // Without a process there is nothing left to signal.
  const Status sent = worker->process ? worker->process->Signal(signal) : OkStatus();
  if (!sent.ok()) {
    logger_.Warning("cannot signal worker; will retry",
                    {{"worker", worker->id}, {"signal", name}, {"error", sent}});
    worker->lifecycle.SignalFailed(clock_.Now(), signal, sent.message());
  }
}

void Supervisor::ArmTimer(const WorkerPointer& worker) {
  const std::optional<SteadyClock::time_point> wakeup = worker->lifecycle.NextWakeup();
  if (!wakeup) {
    worker->timer->Cancel();
    return;
  }
  worker->timer->Schedule(*wakeup, [this, weak = std::weak_ptr<SupervisedWorker>(worker)] {
    if (WorkerPointer alive = weak.lock()) Pump(alive);
  });
}

void Supervisor::Spawn(const WorkerPointer& worker) {
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
  if (Status free = CheckPartitionsFree(worker->id, worker->spec.partitions, workers_);
      !free.ok()) {
    logger_.Error("cannot start worker", {{"worker", worker->id}, {"error", free}});
    worker->lifecycle.SpawnFailed(now, free.message());
    return;
  }
  StatusOr<std::unique_ptr<RunningProcess>> process =
      processes_.Launch({.argv = worker->plan.argv,
                         .env = worker->plan.env,
                         .working_directory = worker->working_directory,
                         .log_path = worker->log_path},
                        ExitHandler(worker));
  if (!process.ok()) {
    logger_.Error("cannot start worker", {{"worker", worker->id}, {"error", process.status()}});
    worker->lifecycle.SpawnFailed(now, process.status().message());
    return;
  }
  worker->process = *std::move(process);
  worker->adopted = false;
  scraper_.Started(*worker->metrics);
  worker->lifecycle.Spawned(now);
  logger_.Info("worker started", {{"worker", worker->id},
                                  {"pid", worker->process->identity().pid},
                                  {"port", worker->port},
                                  {"argv", Join(worker->plan.argv, " ")}});
  Persist();
}

ProcessLauncher::OnExit Supervisor::ExitHandler(const WorkerPointer& worker) {
  return [this, weak = std::weak_ptr<SupervisedWorker>(worker)](const ProcessExit& exit) {
    if (WorkerPointer alive = weak.lock()) Exited(alive, exit);
  };
}

void Supervisor::Exited(const WorkerPointer& worker, const ProcessExit& exit) {
  const SteadyClock::time_point noticed = clock_.Now();
  const std::string how = exit.Describe();
  worker->process.reset();
  worker->last_exit_code = exit.exit_code;
  // Usually why it exited; read now, before a restart writes more.
  worker->last_output = LastOutput(worker->log_path);
  scraper_.Exited(*worker->metrics);
  worker->lifecycle.Exited(noticed, how);
  last_exit_reaction_seconds_ = std::chrono::duration<double>(clock_.Now() - noticed).count();
  logger_.Info("worker exited", {{"worker", worker->id}, {"how", how}});
  Pump(worker);
  Persist();
}

void Supervisor::Probe(const WorkerPointer& worker) {
  health_probes_.Fetch(
      LocalUrl(worker->port, worker->plan.health_path),
      [this, weak = std::weak_ptr<SupervisedWorker>(worker)](const StatusOr<std::string>& answer) {
        WorkerPointer alive = weak.lock();
        if (!alive || shutting_down_) return;
        if (!answer.ok() && answer.status().code() == StatusCode::kResourceExhausted) {
          // The agent could not open a connection (out of descriptors):
          // nothing is known about the engine, so nothing is held against it.
          logger_.Warning("probe not made", {{"worker", alive->id}, {"error", answer.status()}});
          alive->lifecycle.ProbeInconclusive(clock_.Now());
        } else {
          alive->lifecycle.ProbeFinished(clock_.Now(), answer.ok(),
                                         answer.ok() ? "" : answer.status().message());
        }
        Pump(alive);
      });
}

void Supervisor::ReadLoad(const WorkerPointer& worker) {
  scraper_.ReadInFlight(
      LocalUrl(worker->port, worker->plan.metrics_path), worker->plan.dialect,
      [this, weak = std::weak_ptr<SupervisedWorker>(worker)](std::optional<double> in_flight) {
        WorkerPointer alive = weak.lock();
        if (!alive || shutting_down_) return;
        alive->lifecycle.LoadRead(clock_.Now(), in_flight);
        Pump(alive);
      });
}

void Supervisor::Finish(const WorkerPointer& stopped) {
  // `stopped` may be the very map entry erased below (Apply pumps the map's
  // own pointer); this copy keeps the worker alive until the end, which is
  // what clang-tidy cannot see.
  // NOLINTNEXTLINE(performance-unnecessary-copy-initialization)
  const WorkerPointer worker = stopped;
  scraper_.Remove(*worker->metrics);
  worker->timer->Cancel();
  worker->process.reset();
  if (worker->next_spec) {
    // Replace: same id, new spec, fresh lifecycle.
    wire::WorkerSpec spec = *std::move(worker->next_spec);
    const int restarts = worker->lifecycle.restarts();
    workers_.erase(worker->id);
    WorkerPointer replacement = MakeWorker(worker->id, std::move(spec));
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

void Supervisor::ScheduleHousekeeping() {
  housekeeping_timer_->Schedule(clock_.Now() + options_.scrape_period, [this] {
    if (shutting_down_) return;
    ScrapeEngines();
    RefreshInventory();
    RotateLogs();
    ScheduleHousekeeping();
  });
}

void Supervisor::ScrapeEngines() {
  std::vector<EngineMetricsScraper::Target> targets;
  for (const auto& [id, worker] : workers_) {
    const wire::WorkerState state = worker->lifecycle.state();
    if (state != wire::WorkerState::kReady && state != wire::WorkerState::kDraining) continue;
    targets.push_back({.engine = worker->metrics,
                       .url = LocalUrl(worker->port, worker->plan.metrics_path),
                       .dialect = worker->plan.dialect});
  }
  scraper_.Scrape(targets);
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
    const std::vector<PartitionWorkload> own = worker->Workloads(inventory_);
    workloads.insert(workloads.end(), own.begin(), own.end());
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
  std::vector<PersistedWorker> records;
  records.reserve(workers_.size());
  for (const auto& [id, worker] : workers_) {
    PersistedWorker record{
        .id = id,
        .spec = worker->next_spec.value_or(worker->spec),
        .port = worker->port,
        .bootstrap_port = worker->bootstrap_port,
        .restarts = worker->lifecycle.restarts(),
        .ready = worker->lifecycle.state() == wire::WorkerState::kReady,
        .stopping = worker->lifecycle.stop_requested() && !worker->next_spec,
    };
    if (worker->lifecycle.process_running() && worker->process) {
      record.process = worker->process->identity();
    }
    records.push_back(std::move(record));
  }
  if (Status status = WriteWorkerState(options_.state_directory / "workers.json", records);
      !status.ok()) {
    logger_.Error("cannot persist worker state", {{"error", status}});
  }
  NoteWorkersChanged();
}

void Supervisor::NoteWorkersChanged() {
  ++changes_;
  if (on_workers_changed_) on_workers_changed_();
}

std::string Supervisor::workers_version() const {
  return std::to_string(version_epoch_) + "-" + std::to_string(changes_);
}

std::vector<WorkerStatus> Supervisor::Workers() const {
  std::vector<WorkerStatus> statuses;
  statuses.reserve(workers_.size());
  for (const auto& [id, worker] : workers_) {
    statuses.push_back(worker->Status(options_.advertise_host, clock_));
  }
  return statuses;
}

StatusOr<WorkerStatus> Supervisor::GetWorker(const std::string& id) const {
  const auto it = workers_.find(id);
  if (it == workers_.end()) return NotFoundError("no worker " + Quote(id) + " on this node");
  return it->second->Status(options_.advertise_host, clock_);
}

StatusOr<std::string> Supervisor::Logs(const std::string& id, int lines) const {
  const auto it = workers_.find(id);
  if (it == workers_.end()) return NotFoundError("no worker " + Quote(id) + " on this node");
  return TailLog(it->second->log_path, lines, int64_t{4} << 20);
}

}  // namespace tessera::agent
