// The states a supervised worker moves through.
//
//   pending ──spawn──▶ starting ──healthy──▶ ready ──stop──▶ draining ──idle or grace──▶ stopping
//   ──exit──▶ stopped
//                        │  exit, startup timeout     │ exit, liveness failures
//                        ▼                            ▼
//                      backoff ◀──────────────────────┘   (respawned when the delay is over)
//   failed: the engine could not be started at all (exec failed); retried like backoff.

#ifndef TESSERA_WIRE_WORKER_STATE_H_
#define TESSERA_WIRE_WORKER_STATE_H_

#include <array>
#include <string_view>

#include "base/status.h"

namespace tessera::wire {

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
// Errors list the valid names.
StatusOr<WorkerState> ParseWorkerState(std::string_view text);

}  // namespace tessera::wire

#endif  // TESSERA_WIRE_WORKER_STATE_H_
