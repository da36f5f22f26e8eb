// How many workers of one role to start and which to remove, given the
// role's live workers: the arithmetic of a Deployment's rolling update,
// applied to engine workers.
//
//   - Nothing to roll out: start the missing, remove the surplus.
//   - Rolling out (some workers run an old spec): start new workers while
//     the role stays within desired + maxSurge; remove old workers that are
//     not ready, and ready old workers only while at least
//     desired - maxUnavailable workers stay ready.
//   - Removal order: workers on a node that came back after being lost
//     first (they were replaced meanwhile), then not ready, then the old
//     spec, then the least loaded (fewest requests in flight), then the
//     newest.
//
// A pure function, so every case is a table row in its unit test.

#ifndef TESSERA_CONTROLLER_RECONCILER_ROLE_PLAN_H_
#define TESSERA_CONTROLLER_RECONCILER_ROLE_PLAN_H_

#include <span>
#include <string>
#include <vector>

#include "resources/model_deployment.h"

namespace tessera::controller {

// A live worker of the role: on a node that is not lost, not terminating.
struct RoleWorker {
  std::string id{};
  bool updated = false;  // runs the current spec
  bool ready = false;
  double load = 0;  // requests in flight
  int ordinal = 0;
  bool on_returned_node = false;  // see NodeView::returned_after_loss
};

struct RolePlan {
  int create = 0;                     // new workers of the current spec
  std::vector<std::string> remove{};  // to drain and delete, in order
};

RolePlan PlanRole(std::span<const RoleWorker> workers, int desired,
                  const resources::RolloutSpec& rollout);

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_RECONCILER_ROLE_PLAN_H_
