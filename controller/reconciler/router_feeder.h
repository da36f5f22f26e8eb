// Keeps every ready router of a deployment told which of the deployment's
// workers are ready: one PUT /admin/workers with the whole membership per
// router whenever what it last acknowledged differs from what it should
// route to.
//
// Level-triggered: each pass says what every router should hold, and a
// router that has not acknowledged exactly that, in its current process, is
// sent it. What it acknowledged is remembered per router process (its URL,
// pid and restart count as its agent reports them), which is all that
// skipping a PUT needs: a restarted router starts empty and comes back with
// another pid and restart count, so it is refilled; a controller restarted
// remembers nothing, so it PUTs each router once. Asking each router what it
// holds (GET /admin/workers) before each PUT would cost a request per router
// per pass to save one that is rarely needed. A PUT that fails is forgotten,
// so the next pass sends it again.
//
// Not thread-safe: one pass at a time, as the reconciler.

#ifndef TESSERA_CONTROLLER_RECONCILER_ROUTER_FEEDER_H_
#define TESSERA_CONTROLLER_RECONCILER_ROUTER_FEEDER_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/logging.h"
#include "controller/fleet/fleet_view.h"
#include "controller/routers/router_api.h"
#include "resources/object_meta.h"

namespace tessera::controller {

struct FeedResult {
  // Routers that hold the membership now (acknowledged in this pass or
  // before, by the same process).
  std::set<std::string> fed{};
  // One message per router that could not be told, naming it and its node.
  std::vector<std::string> errors{};
};

class RouterFeeder {
 public:
  // `routers` is not owned and must outlive the feeder.
  RouterFeeder(RouterApi& routers, Logger logger);

  // Sends `membership` to each of `routers` (the deployment's ready routers,
  // with the node each runs on) that has not acknowledged it. Routers of
  // `key` not listed are forgotten.
  FeedResult Feed(const resources::ObjectKey& key, const std::vector<WorkerRef>& routers,
                  const RouterMembership& membership);

  // The deployment is gone: forget its routers.
  void Forget(const resources::ObjectKey& key) { acknowledged_.erase(key); }

 private:
  struct Acknowledged {
    std::string url;
    int pid = 0;
    int restarts = 0;
    RouterMembership membership;
  };

  RouterApi& routers_;
  Logger logger_;
  // By deployment, then router worker id.
  std::map<resources::ObjectKey, std::map<std::string, Acknowledged>> acknowledged_;
};

// What the deployment's routers should route to: its ready engine workers
// (not routers), prefill ones with their KV bootstrap port.
RouterMembership MembershipOf(const std::vector<WorkerRef>& ready_workers);

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_RECONCILER_ROUTER_FEEDER_H_
