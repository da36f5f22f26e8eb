// Chooses a node for a router: a worker without partitions, so any
// reachable node that is still listed can run it. Among them:
//   - spread: nodes with fewer routers of the deployment first, so that
//     losing a node loses as few of its endpoints as possible;
//   - nodes that run the deployment's own workers before others, so that
//     requests take the shortest path to them;
//   - then by name, so the choice is deterministic.
// The request's node selector is not applied: it says which GPUs the
// engines need, and a router needs none.

#ifndef TESSERA_CONTROLLER_PLACEMENT_ROUTER_PLACER_H_
#define TESSERA_CONTROLLER_PLACEMENT_ROUTER_PLACER_H_

#include <set>
#include <string>

#include "controller/fleet/fleet_view.h"
#include "controller/placement/partition_placer.h"

namespace tessera::controller {

// Reads `request.replicas_per_node` (routers of the deployment already on
// each node), `request.spread` and `request.excluded_nodes`; `worker_nodes`
// are the nodes running the deployment's engine workers. The choice has no
// partitions. Fails with NoMatchingNodes when no node is reachable, or
// AgentRejected when only excluded nodes are.
PlacementResult PlaceRouter(const FleetView& fleet, const PlacementRequest& request,
                            const std::set<std::string>& worker_nodes);

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_PLACEMENT_ROUTER_PLACER_H_
