#include "router/policy/least_load_policy.h"

namespace tessera::router {

RoutingDecision LeastLoadPolicy::Pick(std::span<const Candidate> candidates,
                                      std::string_view /*prompt*/) {
  if (candidates.size() == 1) return {.index = 0, .reason = "least_load"};
  std::uniform_int_distribution<size_t> draw(0, candidates.size() - 1);
  const size_t first = draw(random_);
  // A second draw from the others, so that the two are distinct.
  size_t second = std::uniform_int_distribution<size_t>(0, candidates.size() - 2)(random_);
  if (second >= first) ++second;
  const size_t chosen = candidates[second].in_flight < candidates[first].in_flight ? second : first;
  return {.index = chosen, .reason = "least_load"};
}

}  // namespace tessera::router
