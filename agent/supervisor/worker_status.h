// A supervised worker as the API and the metrics see it.

#ifndef TESSERA_AGENT_SUPERVISOR_WORKER_STATUS_H_
#define TESSERA_AGENT_SUPERVISOR_WORKER_STATUS_H_

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "agent/supervisor/worker_spec.h"
#include "agent/supervisor/worker_state.h"
#include "engine/adapters/engine_kind.h"

namespace tessera::agent {

struct WorkerStatus {
  std::string id;
  WorkerSpec spec;
  WorkerState state = WorkerState::kPending;
  std::chrono::system_clock::time_point state_since{};
  int pid = 0;  // 0 when no process runs
  int port = 0;
  std::optional<int> bootstrap_port{};
  std::string url;  // http://<advertised host>:<port>
  int restarts = 0;
  bool crash_loop = false;
  std::string reason;  // why it is not ready, or what last went wrong
  std::optional<std::string> last_exit{};
  std::optional<std::string> last_failure{};
  std::optional<int> last_exit_code{};
  std::optional<double> startup_seconds{};
  // Requests running plus queued in the engine, from its last scrape.
  std::optional<double> in_flight{};
  std::optional<std::chrono::system_clock::time_point> next_restart{};
  adapters::MetricDialect dialect = adapters::MetricDialect::kVllm;
  std::string log_path;
  bool adopted = false;  // started by an earlier agent process
  // A changed spec waiting for the current process to stop.
  bool replacing = false;
  // The partitions no other worker may take: the spec's, and while
  // replacing, the next spec's as well.
  std::vector<int> held_partitions{};
};

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_SUPERVISOR_WORKER_STATUS_H_
