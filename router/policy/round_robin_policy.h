// Each candidate in turn.

#ifndef TESSERA_ROUTER_POLICY_ROUND_ROBIN_POLICY_H_
#define TESSERA_ROUTER_POLICY_ROUND_ROBIN_POLICY_H_

#include "router/policy/routing_policy.h"

namespace tessera::router {

class RoundRobinPolicy final : public RoutingPolicy {
 public:
  PolicyKind kind() const override { return PolicyKind::kRoundRobin; }
  RoutingDecision Pick(std::span<const Candidate> candidates, std::string_view prompt) override;

 private:
  uint64_t next_ = 0;
};

}  // namespace tessera::router

#endif  // TESSERA_ROUTER_POLICY_ROUND_ROBIN_POLICY_H_
