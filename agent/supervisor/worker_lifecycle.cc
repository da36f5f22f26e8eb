#include "agent/supervisor/worker_lifecycle.h"

#include <algorithm>
#include <csignal>

#include "base/backoff.h"

namespace tessera::agent {
namespace {

double Seconds(std::chrono::steady_clock::duration duration) {
  return std::chrono::duration<double>(duration).count();
}

}  // namespace

WorkerLifecycle::WorkerLifecycle(const SupervisionPolicy& policy,
                                 std::chrono::milliseconds startup_timeout)
    : policy_(policy), startup_timeout_(startup_timeout) {}

void WorkerLifecycle::Start(TimePoint now) {
  if (state_ != wire::WorkerState::kPending) return;
  started_ = true;
  next_spawn_ = now;
  reason_ = "waiting to start";
}

void WorkerLifecycle::Adopt(TimePoint now, bool was_ready) {
  started_ = true;
  process_running_ = true;
  last_spawn_ = now;
  startup_deadline_ = now + startup_timeout_;
  next_probe_ = now;
  if (was_ready) {
    state_ = wire::WorkerState::kReady;
    ready_since_ = now;
    reason_.clear();
  } else {
    state_ = wire::WorkerState::kStarting;
    reason_ = "adopted; waiting for the engine to become ready";
  }
}

void WorkerLifecycle::Spawned(TimePoint now) {
  spawn_requested_ = false;
  process_running_ = true;
  state_ = wire::WorkerState::kStarting;
  last_spawn_ = now;
  startup_deadline_ = now + startup_timeout_;
  next_probe_ = now + policy_.readiness_period;
  liveness_failures_ = 0;
  term_sent_ = kill_sent_ = false;
  reason_ = "waiting for the engine to become ready";
}

void WorkerLifecycle::SpawnFailed(TimePoint now, std::string reason) {
  spawn_requested_ = false;
  last_spawn_ = now;
  Fail(now, wire::WorkerState::kFailed, std::move(reason));
}

void WorkerLifecycle::ProbeFinished(TimePoint now, bool healthy, const std::string& detail) {
  probe_in_flight_ = false;
  if (state_ == wire::WorkerState::kStarting) {
    if (healthy) {
      state_ = wire::WorkerState::kReady;
      ready_since_ = now;
      startup_seconds_ = Seconds(now - last_spawn_);
      reason_.clear();
      next_probe_ = now + policy_.liveness_period;
    } else {
      next_probe_ = now + policy_.readiness_period;
    }
  } else if (state_ == wire::WorkerState::kReady) {
    next_probe_ = now + policy_.liveness_period;
    if (healthy) {
      liveness_failures_ = 0;
      reason_.clear();
    } else {
      ++liveness_failures_;
      reason_ =
          "liveness probe failed " + std::to_string(liveness_failures_) + " time(s): " + detail;
    }
  }
}

void WorkerLifecycle::ProbeInconclusive(TimePoint now) {
  probe_in_flight_ = false;
  if (state_ == wire::WorkerState::kStarting) next_probe_ = now + policy_.readiness_period;
  if (state_ == wire::WorkerState::kReady) next_probe_ = now + policy_.liveness_period;
}

void WorkerLifecycle::SignalFailed(TimePoint now, int signal, const std::string& detail) {
  if (!process_running_) return;
  bool& sent = signal == SIGKILL ? kill_sent_ : term_sent_;
  sent = false;
  signal_retry_at_ = now + policy_.signal_retry_period;
  reason_ = std::string("cannot signal the engine (") +
            (signal == SIGKILL ? "SIGKILL" : "SIGTERM") + "): " + detail + "; retrying";
}

void WorkerLifecycle::LoadRead(TimePoint now, std::optional<double> in_flight) {
  load_read_in_flight_ = false;
  in_flight_ = in_flight;
  next_load_read_ = now + policy_.drain_poll_period;
  if (state_ == wire::WorkerState::kDraining && in_flight && *in_flight <= 0) drained_ = true;
}

void WorkerLifecycle::Exited(TimePoint now, const std::string& how) {
  process_running_ = false;
  signal_retry_at_.reset();
  probe_in_flight_ = false;
  load_read_in_flight_ = false;
  last_exit_ = how;
  if (stop_requested_) {
    state_ = wire::WorkerState::kStopped;
    reason_ = "stopped (" + how + ")";
    return;
  }
  ++restarts_;
  std::string why = state_ == wire::WorkerState::kStarting && kill_sent_ && now >= startup_deadline_
                        ? "not ready within the startup timeout; " + how
                    : kill_sent_ ? reason_ + "; " + how
                                 : "engine exited: " + how;
  Fail(now, wire::WorkerState::kBackoff, std::move(why));
}

void WorkerLifecycle::Stop(TimePoint now, std::chrono::milliseconds grace) {
  const bool first = !stop_requested_;
  stop_requested_ = true;
  if (!process_running_) {
    state_ = wire::WorkerState::kStopped;
    reason_ = "stopped";
    return;
  }
  const TimePoint deadline = now + grace;
  if (grace.count() == 0) {
    state_ = wire::WorkerState::kStopping;
    kill_deadline_ = now;
    term_sent_ = true;  // no SIGTERM: zero grace means kill now
  } else if (state_ == wire::WorkerState::kReady && first) {
    state_ = wire::WorkerState::kDraining;
    grace_deadline_ = deadline;
    next_load_read_ = now;
    drained_ = false;
    reason_ = "draining";
  } else if (state_ == wire::WorkerState::kDraining) {
    grace_deadline_ = std::min(grace_deadline_, deadline);
  } else if (state_ != wire::WorkerState::kStopping) {
    // Starting: nothing has been admitted yet worth waiting for.
    state_ = wire::WorkerState::kStopping;
    kill_deadline_ = now + std::min(grace, policy_.kill_timeout);
  } else {
    kill_deadline_ = std::min(kill_deadline_, deadline);
  }
}

std::vector<WorkerAction> WorkerLifecycle::Due(TimePoint now) {
  std::vector<WorkerAction> actions;
  // A retry that comes due is spent whether or not the signal is still
  // wanted, so NextWakeup() never points at a time already past.
  const bool retry_due = signal_retry_at_ && now >= *signal_retry_at_;
  switch (state_) {
    case wire::WorkerState::kPending:
    case wire::WorkerState::kBackoff:
    case wire::WorkerState::kFailed:
      if (!stop_requested_ && !spawn_requested_ && now >= next_spawn_ &&
          (state_ != wire::WorkerState::kPending || started_)) {
        spawn_requested_ = true;
        actions.push_back({.kind = WorkerAction::Kind::kSpawn});
      }
      break;
    case wire::WorkerState::kStarting:
      if (now >= startup_deadline_) {
        reason_ = "not ready within the startup timeout (" +
                  std::to_string(startup_timeout_.count() / 1000) + "s)";
        SendSignal(now, actions, SIGKILL);
      } else if (!probe_in_flight_ && now >= next_probe_) {
        probe_in_flight_ = true;
        actions.push_back({.kind = WorkerAction::Kind::kProbe});
      }
      break;
    case wire::WorkerState::kReady:
      if (consecutive_failures_ > 0 && now - ready_since_ >= policy_.backoff_reset_after) {
        consecutive_failures_ = 0;
      }
      if (liveness_failures_ >= policy_.liveness_failure_threshold) {
        SendSignal(now, actions, SIGKILL);
      } else if (!probe_in_flight_ && now >= next_probe_) {
        probe_in_flight_ = true;
        actions.push_back({.kind = WorkerAction::Kind::kProbe});
      }
      break;
    case wire::WorkerState::kDraining:
      if (drained_ || now >= grace_deadline_) {
        state_ = wire::WorkerState::kStopping;
        reason_ = drained_ ? "drained; stopping" : "grace period over; stopping";
        kill_deadline_ = now + policy_.kill_timeout;
        SendSignal(now, actions, SIGTERM);
      } else if (!load_read_in_flight_ && now >= next_load_read_) {
        load_read_in_flight_ = true;
        actions.push_back({.kind = WorkerAction::Kind::kReadLoad});
      }
      break;
    case wire::WorkerState::kStopping:
      if (!term_sent_) SendSignal(now, actions, SIGTERM);
      if (now >= kill_deadline_) SendSignal(now, actions, SIGKILL);
      break;
    case wire::WorkerState::kStopped:
      break;
  }
  if (retry_due) signal_retry_at_.reset();
  return actions;
}

std::optional<WorkerLifecycle::TimePoint> WorkerLifecycle::NextWakeup() const {
  if (signal_retry_at_ && process_running_) return *signal_retry_at_;
  switch (state_) {
    case wire::WorkerState::kPending:
    case wire::WorkerState::kBackoff:
    case wire::WorkerState::kFailed:
      if (stop_requested_ || spawn_requested_ ||
          (state_ == wire::WorkerState::kPending && !started_)) {
        return std::nullopt;
      }
      return next_spawn_;
    case wire::WorkerState::kStarting:
      if (kill_sent_) return std::nullopt;
      return probe_in_flight_ ? startup_deadline_ : std::min(startup_deadline_, next_probe_);
    case wire::WorkerState::kReady: {
      if (kill_sent_) return std::nullopt;
      std::optional<TimePoint> wakeup;
      if (!probe_in_flight_) wakeup = next_probe_;
      if (consecutive_failures_ > 0) {
        const TimePoint forgive = ready_since_ + policy_.backoff_reset_after;
        wakeup = wakeup ? std::min(*wakeup, forgive) : forgive;
      }
      return wakeup;
    }
    case wire::WorkerState::kDraining:
      return load_read_in_flight_ ? grace_deadline_ : std::min(grace_deadline_, next_load_read_);
    case wire::WorkerState::kStopping:
      if (kill_sent_) return std::nullopt;
      return term_sent_ ? kill_deadline_ : TimePoint{};
    case wire::WorkerState::kStopped:
      return std::nullopt;
  }
  return std::nullopt;
}

void WorkerLifecycle::Fail(TimePoint now, wire::WorkerState state, std::string reason) {
  ++consecutive_failures_;
  state_ = state;
  reason_ = std::move(reason);
  last_failure_ = reason_;
  next_spawn_ = std::max(now + BackoffDelay(), last_spawn_ + policy_.spawn_floor);
  term_sent_ = kill_sent_ = false;
  liveness_failures_ = 0;
}

std::chrono::milliseconds WorkerLifecycle::BackoffDelay() const {
  // No jitter: one worker's restarts contend with no one else's.
  const BackoffPolicy restart{
      .initial = policy_.backoff_initial, .factor = 2.0, .cap = policy_.backoff_max};
  return std::chrono::duration_cast<std::chrono::milliseconds>(
      BackoffWait(restart, consecutive_failures_ - 1));
}

void WorkerLifecycle::SendSignal(TimePoint now, std::vector<WorkerAction>& actions, int signal) {
  bool& sent = signal == SIGKILL ? kill_sent_ : term_sent_;
  if (sent || !process_running_) return;
  if (signal_retry_at_ && now < *signal_retry_at_) return;
  signal_retry_at_.reset();
  sent = true;
  if (signal == SIGKILL) term_sent_ = true;
  actions.push_back({.kind = WorkerAction::Kind::kSignal, .signal = signal});
}

}  // namespace tessera::agent
