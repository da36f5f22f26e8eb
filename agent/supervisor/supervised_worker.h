// One worker as the supervisor holds it: its spec (and the next one while it
// is being replaced), its lifecycle, its process, where it listens and what
// it last reported.

#ifndef TESSERA_AGENT_SUPERVISOR_SUPERVISED_WORKER_H_
#define TESSERA_AGENT_SUPERVISOR_SUPERVISED_WORKER_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/gpu/gpu_backend.h"
#include "agent/gpu/gpu_inventory.h"
#include "agent/metrics/engine_metrics_scraper.h"
#include "agent/supervisor/process_launcher.h"
#include "agent/supervisor/supervision_policy.h"
#include "agent/supervisor/timer.h"
#include "agent/supervisor/worker_lifecycle.h"
#include "agent/supervisor/worker_status.h"
#include "base/clock.h"
#include "engine/adapters/launch_plan.h"
#include "wire/worker_spec.h"

namespace tessera::agent {

struct SupervisedWorker {
  SupervisedWorker(std::string worker_id, wire::WorkerSpec worker_spec,
                   const SupervisionPolicy& policy, std::chrono::milliseconds startup_timeout)
      : id(std::move(worker_id)),
        spec(std::move(worker_spec)),
        lifecycle(policy, startup_timeout) {}

  // True when the worker holds `partition`: its spec's while its process may
  // run, and its next spec's from the moment a replacement was asked for.
  bool HoldsNow(int partition) const;
  bool MovingOnto(int partition) const;

  // What the API reports. `clock` turns the lifecycle's next spawn into a
  // calendar time.
  WorkerStatus Status(const std::string& advertise_host, const Clock& clock) const;

  // What the worker's engine does to each of its partitions in `inventory`,
  // while its process runs; none otherwise.
  std::vector<PartitionWorkload> Workloads(const NodeInventory& inventory) const;

  std::string id;
  wire::WorkerSpec spec;
  std::optional<wire::WorkerSpec> next_spec;
  WorkerLifecycle lifecycle;
  adapters::LaunchPlan plan;
  // While its process runs.
  std::unique_ptr<RunningProcess> process;
  // From where its last process was reaped; nullopt when it was killed or
  // its exit code could not be known.
  std::optional<int> last_exit_code;
  // The last lines its engine wrote before its process last exited.
  std::vector<std::string> last_output;
  bool adopted = false;  // its process was started by an earlier agent
  int port = 0;
  std::optional<int> bootstrap_port;
  std::unique_ptr<Timer> timer;
  std::string log_path;
  std::string working_directory;
  std::shared_ptr<EngineMetricsScraper::Engine> metrics;
  wire::WorkerState reported_state = wire::WorkerState::kPending;
  std::chrono::system_clock::time_point state_since{};
};

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_SUPERVISOR_SUPERVISED_WORKER_H_
