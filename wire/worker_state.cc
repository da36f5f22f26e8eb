#include "wire/worker_state.h"

#include <string>

#include "base/strings.h"

namespace tessera::wire {

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

StatusOr<WorkerState> ParseWorkerState(std::string_view text) {
  for (WorkerState state : kAllWorkerStates) {
    if (text == WorkerStateName(state)) return state;
  }
  return InvalidArgumentError("unknown worker state " + Quote(text) +
                              "; expected pending, starting, ready, draining, stopping, stopped, "
                              "backoff or failed");
}

}  // namespace tessera::wire
