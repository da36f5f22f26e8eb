// One worker's state machine, free of I/O so that every transition is tested
// with a fake clock. The supervisor feeds it events (spawned, probe result,
// load read, exit, stop) and executes the actions Due() returns; Due() is
// level-triggered: it looks only at the current state and deadlines, so
// calling it twice, or late, is harmless.

#ifndef TESSERA_AGENT_SUPERVISOR_WORKER_LIFECYCLE_H_
#define TESSERA_AGENT_SUPERVISOR_WORKER_LIFECYCLE_H_

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "agent/supervisor/supervision_policy.h"
#include "wire/worker_state.h"

namespace tessera::agent {

struct WorkerAction {
  enum class Kind { kSpawn, kProbe, kReadLoad, kSignal };
  Kind kind = Kind::kSpawn;
  int signal = 0;  // kSignal: SIGTERM or SIGKILL

  friend bool operator==(const WorkerAction&, const WorkerAction&) = default;
};

class WorkerLifecycle {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  WorkerLifecycle(const SupervisionPolicy& policy, std::chrono::milliseconds startup_timeout);

  // The restart count a previous agent process recorded.
  void RestoreRestarts(int restarts) { restarts_ = restarts; }

  // Events.
  void Start(TimePoint now);
  // A process left running by a previous agent was found alive.
  void Adopt(TimePoint now, bool was_ready);
  void Spawned(TimePoint now);
  void SpawnFailed(TimePoint now, std::string reason);
  void ProbeFinished(TimePoint now, bool healthy, const std::string& detail);
  // The probe could not be made for a reason of the agent's own (out of
  // descriptors): it says nothing about the engine and is not counted. The
  // next probe comes one period later.
  void ProbeInconclusive(TimePoint now);
  // A kSignal action could not be carried out (the process could not be
  // told apart from a stranger that reused its pid, or kill() failed). The
  // signal is requested again signal_retry_period later.
  void SignalFailed(TimePoint now, int signal, const std::string& detail);
  // Requests running or queued in the engine; nullopt when unreadable.
  void LoadRead(TimePoint now, std::optional<double> in_flight);
  // `how`: "exit code 1", "killed by signal 9", ...
  void Exited(TimePoint now, const std::string& how);
  // Drain for up to `grace`, then SIGTERM; zero grace kills at once.
  void Stop(TimePoint now, std::chrono::milliseconds grace);

  // What to do now. Spawn, probe and load reads are requested once until
  // their outcome is reported.
  std::vector<WorkerAction> Due(TimePoint now);
  // When Due() next has something to do; nullopt when only an event can
  // move the worker on.
  std::optional<TimePoint> NextWakeup() const;

  wire::WorkerState state() const { return state_; }
  bool process_running() const { return process_running_; }
  bool stop_requested() const { return stop_requested_; }
  int restarts() const { return restarts_; }
  int consecutive_failures() const { return consecutive_failures_; }
  bool crash_looping() const { return consecutive_failures_ >= policy_.crash_loop_threshold; }
  // Why the worker is not ready, or why it last failed; empty when healthy.
  const std::string& reason() const { return reason_; }
  const std::optional<std::string>& last_exit() const { return last_exit_; }
  // Why the worker last failed (exit, probe, timeout, spawn error); kept
  // after the restart, unlike reason().
  const std::optional<std::string>& last_failure() const { return last_failure_; }
  std::optional<double> startup_seconds() const { return startup_seconds_; }
  std::optional<double> in_flight() const { return in_flight_; }
  // When the worker becomes eligible for its next spawn (backoff, failed).
  TimePoint next_spawn() const { return next_spawn_; }

 private:
  void Fail(TimePoint now, wire::WorkerState state, std::string reason);
  std::chrono::milliseconds BackoffDelay() const;
  void SendSignal(TimePoint now, std::vector<WorkerAction>& actions, int signal);

  SupervisionPolicy policy_;
  std::chrono::milliseconds startup_timeout_;
  wire::WorkerState state_ = wire::WorkerState::kPending;
  bool process_running_ = false;
  bool started_ = false;
  bool stop_requested_ = false;
  bool spawn_requested_ = false;
  bool probe_in_flight_ = false;
  bool load_read_in_flight_ = false;
  bool drained_ = false;
  bool term_sent_ = false;
  bool kill_sent_ = false;
  int restarts_ = 0;
  int consecutive_failures_ = 0;
  int liveness_failures_ = 0;
  std::string reason_;
  std::optional<std::string> last_exit_;
  std::optional<std::string> last_failure_;
  std::optional<double> startup_seconds_;
  std::optional<double> in_flight_;
  TimePoint last_spawn_{};
  TimePoint next_spawn_{};
  TimePoint next_probe_{};
  TimePoint startup_deadline_{};
  TimePoint ready_since_{};
  TimePoint grace_deadline_{};
  TimePoint next_load_read_{};
  TimePoint kill_deadline_{};
  // Set while a failed signal waits to be retried.
  std::optional<TimePoint> signal_retry_at_;
};

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_SUPERVISOR_WORKER_LIFECYCLE_H_
