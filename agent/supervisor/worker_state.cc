#include "agent/supervisor/worker_state.h"

namespace tessera::agent {

std::string_view WorkerStateName(WorkerState state) {
  switch (state) {
    case WorkerState::kPending:
      return "pending";
    case WorkerState::kStarting:
      return "starting";
    case WorkerState::kReady:
      return "ready";
    case WorkerState::kDraining:
      return "draining";
    case WorkerState::kStopping:
      return "stopping";
    case WorkerState::kStopped:
      return "stopped";
    case WorkerState::kBackoff:
      return "backoff";
    case WorkerState::kFailed:
      return "failed";
  }
  return "unknown";
}

}  // namespace tessera::agent
