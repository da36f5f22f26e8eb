// Reads the agent's JSON answers (agent/api/admin_routes.cc writes them).
// Errors name the field, so a version mismatch between controller and agent
// shows as "/v1/node: gpus[0].partitions[3].vramTotalBytes: ..." rather
// than a crash.

#ifndef TESSERA_CONTROLLER_AGENTS_AGENT_JSON_H_
#define TESSERA_CONTROLLER_AGENTS_AGENT_JSON_H_

#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "controller/agents/agent_api.h"

namespace tessera::controller {

// GET /v1/node into hostname, labels, GPUs and partitions (with holders).
Status ReadNodeJson(const nlohmann::json& node, AgentObservation& observation);

// One element of GET /v1/workers, or the body of PUT /v1/workers/{id}.
StatusOr<ObservedWorker> ReadWorkerJson(const nlohmann::json& body);

// GET /v1/workers.
StatusOr<std::vector<ObservedWorker>> ReadWorkersJson(const nlohmann::json& body);

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_AGENTS_AGENT_JSON_H_
