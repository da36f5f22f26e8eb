// The worker spec a deployment role asks the agents to run, partitions
// aside: what its template hash is computed from.

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
