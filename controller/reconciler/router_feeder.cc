#include "controller/reconciler/router_feeder.h"

namespace tessera::controller {

RouterFeeder::RouterFeeder(RouterApi& routers, Logger logger)
    : routers_(routers), logger_(std::move(logger)) {}

FeedResult RouterFeeder::Feed(const resources::ObjectKey& key,
                              const std::vector<WorkerRef>& routers,
                              const RouterMembership& membership) {
  FeedResult result;
  std::map<std::string, Acknowledged>& known = acknowledged_[key];
  std::map<std::string, Acknowledged> kept;
  for (const WorkerRef& ref : routers) {
    const ObservedWorker& router = *ref.worker;
    Acknowledged current{.url = router.url,
                         .pid = router.pid,
                         .restarts = router.restarts,
                         .membership = membership};
    const auto before = known.find(router.id);
    const bool same_process = before != known.end() && before->second.url == current.url &&
                              before->second.pid == current.pid &&
                              before->second.restarts == current.restarts;
    if (same_process && before->second.membership == membership) {
      kept[router.id] = std::move(before->second);
      result.fed.insert(router.id);
      continue;
    }
    StatusOr<RouterMembership> answer = routers_.PutMembership(router.url, membership);
    if (!answer.ok()) {
      logger_.Warning("router not told its workers", {{"deployment", key.ToString()},
                                                      {"router", router.id},
                                                      {"node", ref.node->name},
                                                      {"error", answer.status()}});
      result.errors.push_back("telling router " + router.id + " on " + ref.node->name +
                              " its workers: " + answer.status().message());
      continue;
    }
    logger_.Info("router told its workers",
                 {{"deployment", key.ToString()},
                  {"router", router.id},
                  {"workers", static_cast<int>(membership.workers.size())}});
    kept[router.id] = std::move(current);
    result.fed.insert(router.id);
  }
  if (kept.empty()) {
    acknowledged_.erase(key);
  } else {
    known = std::move(kept);
  }
  return result;
}

RouterMembership MembershipOf(const std::vector<WorkerRef>& ready_workers) {
  RouterMembership membership;
  for (const WorkerRef& ref : ready_workers) {
    const ObservedWorker& worker = *ref.worker;
    if (worker.spec.role == wire::WorkerRole::kRouter) continue;
    membership.Add({.url = worker.url,
                    .role = worker.spec.role,
                    .bootstrap_port = worker.spec.role == wire::WorkerRole::kPrefill
                                          ? worker.bootstrap_port
                                          : std::nullopt});
  }
  return membership;
}

}  // namespace tessera::controller
