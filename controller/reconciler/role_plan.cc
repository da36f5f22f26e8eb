#include "controller/reconciler/role_plan.h"

#include <algorithm>
#include <tuple>

namespace tessera::controller {
namespace {

// Sorts `workers` into removal order.
void OrderForRemoval(std::vector<const RoleWorker*>& workers) {
  std::sort(workers.begin(), workers.end(), [](const RoleWorker* a, const RoleWorker* b) {
    return std::make_tuple(!a->on_returned_node, a->ready, a->updated, a->load, -a->ordinal,
                           a->id) <
           std::make_tuple(!b->on_returned_node, b->ready, b->updated, b->load, -b->ordinal, b->id);
  });
}

void RemoveFirst(std::vector<const RoleWorker*> candidates, size_t count, RolePlan& plan) {
  OrderForRemoval(candidates);
  for (size_t i = 0; i < count && i < candidates.size(); ++i) {
    plan.remove.push_back(candidates[i]->id);
  }
}

}  // namespace

RolePlan PlanRole(std::span<const RoleWorker> workers, int desired,
                  const resources::RolloutSpec& rollout) {
  RolePlan plan;
  std::vector<const RoleWorker*> current;
  std::vector<const RoleWorker*> old;
  int ready = 0;
  for (const RoleWorker& worker : workers) {
    (worker.updated ? current : old).push_back(&worker);
    if (worker.ready) ++ready;
  }
  const int current_count = static_cast<int>(current.size());
  if (old.empty()) {
    if (current_count < desired) plan.create = desired - current_count;
    if (current_count > desired) {
      RemoveFirst(current, static_cast<size_t>(current_count - desired), plan);
    }
    return plan;
  }

  const int total = static_cast<int>(workers.size());
  plan.create = std::max(0, std::min(desired - current_count, desired + rollout.max_surge - total));

  // Old workers that serve nothing can go at once; ready ones only while
  // enough ready workers remain.
  std::vector<const RoleWorker*> old_ready;
  std::vector<const RoleWorker*> old_unready;
  for (const RoleWorker* worker : old) (worker->ready ? old_ready : old_unready).push_back(worker);
  RemoveFirst(old_unready, old_unready.size(), plan);
  const int min_available = std::max(0, desired - rollout.max_unavailable);
  const int removable = std::max(0, ready - min_available);
  RemoveFirst(old_ready, static_cast<size_t>(removable), plan);

  // The desired count dropped during the rollout.
  if (current_count > desired) {
    RemoveFirst(current, static_cast<size_t>(current_count - desired), plan);
  }
  return plan;
}

}  // namespace tessera::controller
