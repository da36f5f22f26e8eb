// The controller's reading of an agent's answers: GET /v1/node and
// GET /v1/workers decoded by the wire types (wire/), then shaped into what
// placement and reconciliation look at. Errors name the field, so a version
// mismatch between controller and agent shows as
// "node.gpus[0].partitions[3].vramTotalBytes: ..." rather than a crash.

#ifndef TESSERA_CONTROLLER_AGENTS_AGENT_JSON_H_
#define TESSERA_CONTROLLER_AGENTS_AGENT_JSON_H_

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "controller/fleet/agent_api.h"
#include "wire/node_inventory.h"

namespace tessera::controller {

// Hostname, labels, GPUs and partitions (with holders) of an inventory.
AgentObservation ObservationOf(const wire::NodeInventory& inventory);

// GET /v1/node and GET /v1/workers of one agent, as their bodies.
StatusOr<AgentObservation> ReadObservation(const nlohmann::json& node,
                                           const nlohmann::json& workers);

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_AGENTS_AGENT_JSON_H_
