#include "router/policy/round_robin_policy.h"

namespace tessera::router {

RoutingDecision RoundRobinPolicy::Pick(std::span<const Candidate> candidates,
                                       std::string_view /*prompt*/) {
  return {.index = static_cast<size_t>(next_++ % candidates.size()), .reason = "round_robin"};
}

}  // namespace tessera::router
