// The GPUNode object an agent publishes about its node (docs/resources.md):
// where its API is, and what its partitions are and who holds them.

#ifndef TESSERA_AGENT_REGISTRATION_GPU_NODE_STATUS_H_
#define TESSERA_AGENT_REGISTRATION_GPU_NODE_STATUS_H_

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/gpu/gpu_inventory.h"
#include "agent/supervisor/worker_status.h"

namespace tessera::agent {

// `status` of the GPUNode: hostname, backend, partition counts, GPUs and
// the worker holding each partition, heartbeatTime = `now`, and a Ready
// condition that turned True at `ready_since`.
nlohmann::json GpuNodeStatusJson(const NodeInventory& inventory,
                                 const std::vector<WorkerStatus>& workers,
                                 std::chrono::system_clock::time_point now,
                                 std::chrono::system_clock::time_point ready_since);

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_REGISTRATION_GPU_NODE_STATUS_H_
