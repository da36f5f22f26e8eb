// The worker spec a deployment role asks the agents to run, partitions
// aside: what its template hash is computed from.

#ifndef TESSERA_CONTROLLER_RECONCILER_WORKER_TEMPLATE_H_
#define TESSERA_CONTROLLER_RECONCILER_WORKER_TEMPLATE_H_

#include <string>

#include "agent/supervisor/worker_spec.h"
#include "resources/model_deployment.h"

namespace tessera::controller {

agent::WorkerSpec WorkerTemplate(const resources::ObjectMeta& metadata,
                                 const resources::ModelDeploymentSpec& spec,
                                 adapters::WorkerRole role, const std::string& managed_by);

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_RECONCILER_WORKER_TEMPLATE_H_
