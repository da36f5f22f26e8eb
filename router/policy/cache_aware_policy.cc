#include "router/policy/cache_aware_policy.h"

#include <algorithm>

namespace tessera::router {

CacheAwarePolicy::CacheAwarePolicy(CacheAwareSettings settings)
    : settings_(settings), tree_(settings.max_tree_chars) {}

RoutingDecision CacheAwarePolicy::Pick(std::span<const Candidate> candidates,
                                       std::string_view prompt) {
  const auto by_load = [](const Candidate& a, const Candidate& b) {
    return a.in_flight < b.in_flight;
  };
  const auto [idlest, busiest] = std::minmax_element(candidates.begin(), candidates.end(), by_load);
  RoutingDecision decision;
  const bool imbalanced =
      busiest->in_flight - idlest->in_flight > settings_.balance_abs_threshold &&
      static_cast<double>(busiest->in_flight) >
          static_cast<double>(idlest->in_flight) * settings_.balance_rel_threshold;
  if (imbalanced) {
    decision = {.index = static_cast<size_t>(idlest - candidates.begin()), .reason = "imbalanced"};
  } else {
    const PrefixTree::Match match = tree_.LongestMatch(prompt, [&](std::string_view tenant) {
      return std::any_of(
          candidates.begin(), candidates.end(),
          [tenant](const Candidate& candidate) { return candidate.worker == tenant; });
    });
    const double match_rate = prompt.empty() ? 0.0
                                             : static_cast<double>(match.matched_chars) /
                                                   static_cast<double>(prompt.size());
    if (!match.tenant.empty() && match_rate > settings_.cache_threshold) {
      const auto holder = std::find_if(
          candidates.begin(), candidates.end(),
          [&](const Candidate& candidate) { return candidate.worker == match.tenant; });
      decision = {.index = static_cast<size_t>(holder - candidates.begin()),
                  .reason = "cache_hit",
                  .matched_chars = match.matched_chars};
    } else {
      // The candidate believed to cache least has the most room; among
      // equals, the less loaded.
      const auto roomiest = std::min_element(
          candidates.begin(), candidates.end(), [&](const Candidate& a, const Candidate& b) {
            const size_t a_chars = tree_.TenantChars(a.worker);
            const size_t b_chars = tree_.TenantChars(b.worker);
            return a_chars != b_chars ? a_chars < b_chars : a.in_flight < b.in_flight;
          });
      decision = {.index = static_cast<size_t>(roomiest - candidates.begin()),
                  .reason = "cache_miss"};
    }
  }
  tree_.Insert(prompt, candidates[decision.index].worker);
  return decision;
}

}  // namespace tessera::router
