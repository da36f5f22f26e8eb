// How the router picks one worker of a role for a request: the seam between
// the proxy, which knows the candidates, and the rules that choose.
//
// Policies are per role (a disaggregated deployment may route prefill by
// cache affinity and decode by load) and not thread-safe: the router calls
// them from its one event-loop thread.

#ifndef TESSERA_ROUTER_POLICY_ROUTING_POLICY_H_
#define TESSERA_ROUTER_POLICY_ROUTING_POLICY_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"

namespace tessera::router {

enum class PolicyKind { kRoundRobin, kLeastLoad, kCacheAware };

// "round_robin", "least_load", "cache_aware".
std::string_view PolicyKindName(PolicyKind kind);
// InvalidArgument lists the names accepted.
StatusOr<PolicyKind> ParsePolicyKind(std::string_view name);

// A worker that may take the request now.
struct Candidate {
  std::string_view worker{};  // its URL, which identifies it
  int64_t in_flight = 0;      // requests this router has open on it
};

struct RoutingDecision {
  size_t index = 0;  // into the candidates
  // Why, for the routing-decision metric: "round_robin", "least_load",
  // "cache_hit", "cache_miss", "imbalanced".
  std::string_view reason{};
  // Characters of the prompt the chosen worker is believed to have cached.
  size_t matched_chars = 0;
};

// SGLang's cache-aware rule and its defaults (sglang-router 0.3):
// when the load is imbalanced — the busiest candidate has more than
// `balance_abs_threshold` requests over the idlest AND more than
// `balance_rel_threshold` times its load — the idlest takes the request.
// Otherwise the candidate holding the longest prefix of the prompt takes it
// when that prefix is more than `cache_threshold` of the prompt, and else
// the candidate whose cache the router believes holds least (the most room).
struct CacheAwareSettings {
  double cache_threshold = 0.3;
  int64_t balance_abs_threshold = 64;
  double balance_rel_threshold = 1.5;
  // Characters of prompt prefixes remembered per worker (SGLang's
  // max_tree_size): the tree's memory bound.
  size_t max_tree_chars = size_t{1} << 26;
};

class RoutingPolicy {
 public:
  virtual ~RoutingPolicy() = default;

  virtual PolicyKind kind() const = 0;

  // Picks one of `candidates`, which is not empty and is ordered the same
  // way from call to call (by URL). `prompt` is the request's text as the
  // router sees it, for policies that route by content.
  virtual RoutingDecision Pick(std::span<const Candidate> candidates, std::string_view prompt) = 0;

  // The worker has left the membership: forget what is known about it.
  virtual void Forget(std::string_view /*worker*/) {}
};

// `seed` drives the random choices of least_load.
std::unique_ptr<RoutingPolicy> MakeRoutingPolicy(PolicyKind kind,
                                                 const CacheAwareSettings& cache_aware,
                                                 uint64_t seed);

}  // namespace tessera::router

#endif  // TESSERA_ROUTER_POLICY_ROUTING_POLICY_H_
