// The role a worker plays in serving a model.

#ifndef TESSERA_WIRE_WORKER_ROLE_H_
#define TESSERA_WIRE_WORKER_ROLE_H_

#include <string_view>

#include "base/status.h"

namespace tessera::wire {

// Aggregated workers prefill and decode; in disaggregated serving a prefill
// worker computes the prompt's KV cache and hands it to a decode worker.
// A router is the deployment's one OpenAI endpoint in front of the others
// (tessera-router): a worker without partitions.
enum class WorkerRole { kAggregated, kPrefill, kDecode, kRouter };

// Whether workers of `role` run on GPU partitions: every role but the router.
bool UsesPartitions(WorkerRole role);

// "aggregated", "prefill", "decode", "router".
std::string_view WorkerRoleName(WorkerRole role);

// Errors list the valid names.
StatusOr<WorkerRole> ParseWorkerRole(std::string_view text);

}  // namespace tessera::wire

#endif  // TESSERA_WIRE_WORKER_ROLE_H_
