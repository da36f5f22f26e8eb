#include "wire/worker_role.h"

#include <string>

#include "base/strings.h"

namespace tessera::wire {

bool UsesPartitions(WorkerRole role) { return role != WorkerRole::kRouter; }

std::string_view WorkerRoleName(WorkerRole role) {
  switch (role) {
    case WorkerRole::kAggregated:
      return "aggregated";
    case WorkerRole::kPrefill:
      return "prefill";
    case WorkerRole::kDecode:
      return "decode";
    case WorkerRole::kRouter:
      return "router";
  }
  return "unknown";
}

StatusOr<WorkerRole> ParseWorkerRole(std::string_view text) {
  for (WorkerRole role :
       {WorkerRole::kAggregated, WorkerRole::kPrefill, WorkerRole::kDecode, WorkerRole::kRouter}) {
    if (text == WorkerRoleName(role)) return role;
  }
  return InvalidArgumentError("unknown role " + Quote(text) +
                              "; expected aggregated, prefill, decode or router");
}

}  // namespace tessera::wire
