#include "router/policy/routing_policy.h"

#include "base/strings.h"
#include "router/policy/cache_aware_policy.h"
#include "router/policy/least_load_policy.h"
#include "router/policy/round_robin_policy.h"

namespace tessera::router {

std::string_view PolicyKindName(PolicyKind kind) {
  switch (kind) {
    case PolicyKind::kRoundRobin:
      return "round_robin";
    case PolicyKind::kLeastLoad:
      return "least_load";
    case PolicyKind::kCacheAware:
      return "cache_aware";
  }
  return "unknown";
}

StatusOr<PolicyKind> ParsePolicyKind(std::string_view name) {
  for (const PolicyKind kind :
       {PolicyKind::kRoundRobin, PolicyKind::kLeastLoad, PolicyKind::kCacheAware}) {
    if (name == PolicyKindName(kind)) return kind;
  }
  return InvalidArgumentError("must be round_robin, least_load or cache_aware, got " + Quote(name));
}

std::unique_ptr<RoutingPolicy> MakeRoutingPolicy(PolicyKind kind,
                                                 const CacheAwareSettings& cache_aware,
                                                 uint64_t seed) {
  switch (kind) {
    case PolicyKind::kRoundRobin:
      return std::make_unique<RoundRobinPolicy>();
    case PolicyKind::kLeastLoad:
      return std::make_unique<LeastLoadPolicy>(seed);
    case PolicyKind::kCacheAware:
      return std::make_unique<CacheAwarePolicy>(cache_aware);
  }
  return nullptr;
}

}  // namespace tessera::router
