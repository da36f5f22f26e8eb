#include "agent/supervisor/supervised_worker.h"

#include <algorithm>

namespace tessera::agent {
namespace {

bool Lists(const wire::WorkerSpec& spec, int partition) {
  return std::find(spec.partitions.begin(), spec.partitions.end(), partition) !=
         spec.partitions.end();
}

}  // namespace

bool SupervisedWorker::HoldsNow(int partition) const {
  // A worker holds its partitions until its process is gone.
  return lifecycle.state() != wire::WorkerState::kStopped && Lists(spec, partition);
}

bool SupervisedWorker::MovingOnto(int partition) const {
  return next_spec && Lists(*next_spec, partition);
}

WorkerStatus SupervisedWorker::Status(const std::string& advertise_host, const Clock& clock) const {
  WorkerStatus status;
  static_cast<wire::WorkerStatus&>(status) = {
      .id = id,
      .spec = spec,
      .state = lifecycle.state(),
      .state_since = state_since,
      .pid = lifecycle.process_running() && process ? process->identity().pid : 0,
      .port = port,
      .bootstrap_port = bootstrap_port,
      .url = "http://" + advertise_host + ":" + std::to_string(port),
      .restarts = lifecycle.restarts(),
      .crash_loop = lifecycle.crash_looping(),
      .reason = lifecycle.reason(),
      .last_exit = lifecycle.last_exit(),
      .last_failure = lifecycle.last_failure(),
      .last_exit_code = last_exit_code,
      .last_output = last_output,
      .startup_seconds = lifecycle.startup_seconds(),
      .in_flight = metrics && metrics->in_flight() ? metrics->in_flight() : lifecycle.in_flight(),
      .next_restart = {},
      .dialect = plan.dialect,
      .adopted = adopted,
      .replacing = next_spec.has_value(),
  };
  status.log_path = log_path;
  if (lifecycle.state() != wire::WorkerState::kStopped) status.held_partitions = spec.partitions;
  if (next_spec) {
    for (int partition : next_spec->partitions) {
      if (std::find(status.held_partitions.begin(), status.held_partitions.end(), partition) ==
          status.held_partitions.end()) {
        status.held_partitions.push_back(partition);
      }
    }
  }
  const wire::WorkerState state = lifecycle.state();
  if (state == wire::WorkerState::kBackoff || state == wire::WorkerState::kFailed) {
    status.next_restart =
        clock.WallNow() + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                              lifecycle.next_spawn() - clock.Now());
  }
  return status;
}

std::vector<PartitionWorkload> SupervisedWorker::Workloads(const NodeInventory& inventory) const {
  std::vector<PartitionWorkload> workloads;
  if (!lifecycle.process_running()) return workloads;
  // An engine reserves its share of the partition once it has started.
  const bool reserved = lifecycle.state() != wire::WorkerState::kStarting;
  const double utilization = spec.settings.gpu_memory_utilization.value_or(0.9);
  const double in_flight = metrics ? metrics->in_flight().value_or(0) : 0;
  for (int index : spec.partitions) {
    const GpuPartition* partition = inventory.FindPartition(index);
    if (partition == nullptr) continue;
    workloads.push_back(
        {.partition = index,
         .reserved_vram_bytes =
             reserved ? static_cast<int64_t>(utilization *
                                             static_cast<double>(partition->vram_total_bytes))
                      : 0,
         .in_flight_requests = in_flight});
  }
  return workloads;
}

}  // namespace tessera::agent
