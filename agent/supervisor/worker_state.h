// The states a supervised worker moves through.
//
//   pending ──spawn──▶ starting ──healthy──▶ ready ──stop──▶ draining ──idle or grace──▶ stopping
//   ──exit──▶ stopped
//                        │  exit, startup timeout     │ exit, liveness failures
//                        ▼                            ▼
//                      backoff ◀──────────────────────┘   (respawned when the delay is over)
//   failed: the engine could not be started at all (exec failed); retried like backoff.

#ifndef TESSERA_AGENT_SUPERVISOR_WORKER_STATE_H_
#define TESSERA_AGENT_SUPERVISOR_WORKER_STATE_H_

#include <array>
#include <string_view>

namespace tessera::agent {

enum class WorkerState {
  kPending,
  kStarting,
  kReady,
  kDraining,
  kStopping,
  kStopped,
  kBackoff,
  kFailed
};

inline constexpr std::array<WorkerState, 8> kAllWorkerStates = {
    WorkerState::kPending,  WorkerState::kStarting, WorkerState::kReady,   WorkerState::kDraining,
    WorkerState::kStopping, WorkerState::kStopped,  WorkerState::kBackoff, WorkerState::kFailed};

std::string_view WorkerStateName(WorkerState state);

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_SUPERVISOR_WORKER_STATE_H_
