// SGLang's cache-aware routing (see CacheAwareSettings for the rule): send a
// prompt where its prefix is most likely cached, unless that would deepen a
// load imbalance.

#ifndef TESSERA_ROUTER_POLICY_CACHE_AWARE_POLICY_H_
#define TESSERA_ROUTER_POLICY_CACHE_AWARE_POLICY_H_

#include "router/policy/prefix_tree.h"
#include "router/policy/routing_policy.h"

namespace tessera::router {

class CacheAwarePolicy final : public RoutingPolicy {
 public:
  explicit CacheAwarePolicy(CacheAwareSettings settings);

  PolicyKind kind() const override { return PolicyKind::kCacheAware; }
  RoutingDecision Pick(std::span<const Candidate> candidates, std::string_view prompt) override;
  void Forget(std::string_view worker) override { tree_.RemoveTenant(worker); }

  const PrefixTree& tree() const { return tree_; }

 private:
  const CacheAwareSettings settings_;
  PrefixTree tree_;
};

}  // namespace tessera::router

#endif  // TESSERA_ROUTER_POLICY_CACHE_AWARE_POLICY_H_
