// The seam between the controller and the routers it runs: tessera-router's
// admin API, reached at a router worker's URL with the agents' token (an
// agent gives its routers its own token file). HttpAgentApi implements it
// beside the agent API; the reconciler's tests use a fake.

#ifndef TESSERA_CONTROLLER_ROUTERS_ROUTER_API_H_
#define TESSERA_CONTROLLER_ROUTERS_ROUTER_API_H_

#include <string>

#include "base/status.h"
#include "controller/routers/router_membership.h"

namespace tessera::controller {

class RouterApi {
 public:
  virtual ~RouterApi() = default;

  // PUT /admin/workers at `router_url` ("http://node-a:20004") with the
  // full membership; the router's answer, which lists what it now routes
  // to. Unavailable when it does not answer; InvalidArgument naming the
  // field it rejected; Unauthenticated when the token is not its token.
  virtual StatusOr<RouterMembership> PutMembership(const std::string& router_url,
                                                   const RouterMembership& membership) = 0;
};

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_ROUTERS_ROUTER_API_H_
