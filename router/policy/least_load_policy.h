// The power of two choices: two candidates drawn at random, the one with
// fewer requests in flight takes the request. Nearly as even as scanning
// every candidate for the minimum, without herding every router of a
// deployment onto the same momentarily idle worker.

#ifndef TESSERA_ROUTER_POLICY_LEAST_LOAD_POLICY_H_
#define TESSERA_ROUTER_POLICY_LEAST_LOAD_POLICY_H_

#include <random>

#include "router/policy/routing_policy.h"

namespace tessera::router {

class LeastLoadPolicy final : public RoutingPolicy {
 public:
  explicit LeastLoadPolicy(uint64_t seed) : random_(seed) {}

  PolicyKind kind() const override { return PolicyKind::kLeastLoad; }
  RoutingDecision Pick(std::span<const Candidate> candidates, std::string_view prompt) override;

 private:
  std::mt19937_64 random_;
};

}  // namespace tessera::router

#endif  // TESSERA_ROUTER_POLICY_LEAST_LOAD_POLICY_H_
