// A worker as its agent reports it: an element of GET /v1/workers, and the
// answer to GET, PUT and DELETE /v1/workers/{id}.
//
//   {"id": "serving.llama-8b.worker-1a2b3c4d-0", "spec": {...WorkerSpec...},
//    "state": "ready", "stateSince": "2026-12-02T10:00:00Z", "ready": true,
//    "pid": 4242, "port": 30001, "url": "http://node-1:30001",
//    "restarts": 0, "crashLoop": false, "adopted": false, "replacing": false,
//    "metricDialect": "vllm", "inFlightRequests": 3,
//    "lastOutput": ["...the engine's last lines before it exited..."]}
//
// The agent writes it (agent/api), the controller reads it
// (controller/agents); both through the two functions below.

#ifndef TESSERA_WIRE_WORKER_STATUS_H_
#define TESSERA_WIRE_WORKER_STATUS_H_

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "wire/engine_kind.h"
#include "wire/worker_spec.h"
#include "wire/worker_state.h"

namespace tessera::wire {

inline constexpr size_t kMaxLastOutputLines = 5;
inline constexpr size_t kMaxLastOutputBytes = 1024;

struct WorkerStatus {
  std::string id{};
  WorkerSpec spec{};
  WorkerState state = WorkerState::kPending;
  std::chrono::system_clock::time_point state_since{};
  int pid = 0;  // 0 when no process runs
  int port = 0;
  std::optional<int> bootstrap_port{};
  std::string url{};  // http://<advertised host>:<port>
  int restarts = 0;
  bool crash_loop = false;
  std::string reason{};  // why it is not ready, or what last went wrong
  std::optional<std::string> last_exit{};
  std::optional<std::string> last_failure{};
  std::optional<int> last_exit_code{};
  // The last lines the engine wrote before its process last exited (a few,
  // at most kMaxLastOutputBytes), so a crash's cause reaches the controller
  // without the token-protected logs API.
  std::vector<std::string> last_output{};
  std::optional<double> startup_seconds{};
  // Requests running plus queued in the engine, from its last scrape.
  std::optional<double> in_flight{};
  std::optional<std::chrono::system_clock::time_point> next_restart{};
  MetricDialect dialect = MetricDialect::kVllm;
  bool adopted = false;  // started by an earlier agent process
  // A changed spec waiting for the current process to stop.
  bool replacing = false;

  bool Ready() const { return state == WorkerState::kReady; }
  // Being drained or stopped: on its way out, still holding its partitions.
  bool Terminating() const;
};

nlohmann::json WorkerStatusToJson(const WorkerStatus& status);

// Errors name the field ("worker \"w-0\".spec.engine.kind: is required").
// Fields this version does not know are ignored, so an agent may report
// more than its controller reads. Times are read at whole seconds, as they
// are written.
StatusOr<WorkerStatus> WorkerStatusFromJson(const nlohmann::json& body);

// GET /v1/workers: {"workers": [...]}.
nlohmann::json WorkerListToJson(const std::vector<WorkerStatus>& workers);
StatusOr<std::vector<WorkerStatus>> WorkerListFromJson(const nlohmann::json& body);

}  // namespace tessera::wire

#endif  // TESSERA_WIRE_WORKER_STATUS_H_
