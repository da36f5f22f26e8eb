// The worker spec a deployment role asks the agents to run, partitions
// aside: what its template hash is computed from.
//
// A router's is tessera-router (the allow-list entry every agent has) with
// the deployment's served name and the routing flags of spec.router as its
// arguments: a change of either rolls the routers out. The engine's
// settings are not in it, so an engine change leaves the routers alone.

#ifndef TESSERA_CONTROLLER_RECONCILER_WORKER_TEMPLATE_H_
#define TESSERA_CONTROLLER_RECONCILER_WORKER_TEMPLATE_H_

#include <string>

#include "resources/model_deployment.h"
#include "wire/worker_spec.h"

namespace tessera::controller {

wire::WorkerSpec WorkerTemplate(const resources::ObjectMeta& metadata,
                                const resources::ModelDeploymentSpec& spec, wire::WorkerRole role,
                                const std::string& managed_by);

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_RECONCILER_WORKER_TEMPLATE_H_
