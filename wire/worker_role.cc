#include "wire/worker_role.h"

#include <string>

#include "base/strings.h"

namespace tessera::wire {

std::string_view WorkerRoleName(WorkerRole role) {
  switch (role) {
    case WorkerRole::kAggregated:
      return "aggregated";
    case WorkerRole::kPrefill:
      return "prefill";
    case WorkerRole::kDecode:
      return "decode";
  }
  return "unknown";
}

StatusOr<WorkerRole> ParseWorkerRole(std::string_view text) {
  for (WorkerRole role : {WorkerRole::kAggregated, WorkerRole::kPrefill, WorkerRole::kDecode}) {
    if (text == WorkerRoleName(role)) return role;
  }
  return InvalidArgumentError("unknown role " + Quote(text) +
                              "; expected aggregated, prefill or decode");
}

}  // namespace tessera::wire
