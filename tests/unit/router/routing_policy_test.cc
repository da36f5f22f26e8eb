#include "router/policy/routing_policy.h"

#include <vector>

#include <gtest/gtest.h>

#include "router/policy/cache_aware_policy.h"
#include "router/policy/least_load_policy.h"
#include "router/policy/round_robin_policy.h"

namespace tessera::router {
namespace {

TEST(RoutingPolicyTest, NamesRoundTrip) {
  for (const PolicyKind kind :
       {PolicyKind::kRoundRobin, PolicyKind::kLeastLoad, PolicyKind::kCacheAware}) {
    EXPECT_EQ(*ParsePolicyKind(PolicyKindName(kind)), kind);
    EXPECT_EQ(MakeRoutingPolicy(kind, {}, 1)->kind(), kind);
  }
  EXPECT_EQ(ParsePolicyKind("random").status().message(),
            "must be round_robin, least_load or cache_aware, got \"random\"");
}

TEST(RoutingPolicyTest, RoundRobinTakesEachInTurn) {
  RoundRobinPolicy policy;
  const std::vector<Candidate> candidates{{"a", 5}, {"b", 0}, {"c", 9}};
  std::vector<size_t> picked;
  for (int i = 0; i < 6; ++i) picked.push_back(policy.Pick(candidates, "").index);
  EXPECT_EQ(picked, (std::vector<size_t>{0, 1, 2, 0, 1, 2}));
}

TEST(RoutingPolicyTest, LeastLoadWithTwoCandidatesAlwaysTakesTheIdler) {
  LeastLoadPolicy policy(7);
  const std::vector<Candidate> candidates{{"a", 3}, {"b", 1}};
  for (int i = 0; i < 20; ++i) EXPECT_EQ(policy.Pick(candidates, "").index, 1u);
}

TEST(RoutingPolicyTest, LeastLoadNeverTakesTheBusiestOfMany) {
  LeastLoadPolicy policy(11);
  const std::vector<Candidate> candidates{{"a", 1}, {"b", 2}, {"c", 100}, {"d", 3}};
  std::vector<int> counts(4, 0);
  for (int i = 0; i < 400; ++i) ++counts[policy.Pick(candidates, "").index];
  EXPECT_EQ(counts[2], 0);
  EXPECT_GT(counts[0], counts[3]);  // the idlest wins every draw it is in
}

TEST(RoutingPolicyTest, CacheAwareSendsAPromptWhereItsPrefixIs) {
  CacheAwarePolicy policy({});
  const std::vector<Candidate> candidates{{"a", 0}, {"b", 0}};
  const std::string system = "You are a helpful assistant who answers in French. ";
  const RoutingDecision first = policy.Pick(candidates, system + "Question one?");
  EXPECT_EQ(first.reason, "cache_miss");
  // The other worker has the smaller cache, so a new prefix goes there.
  EXPECT_EQ(policy.Pick(candidates, "A different prompt altogether").index, 1 - first.index);
  const RoutingDecision again = policy.Pick(candidates, system + "Question two?");
  EXPECT_EQ(again.reason, "cache_hit");
  EXPECT_EQ(again.index, first.index);
  EXPECT_EQ(again.matched_chars, system.size() + 9);  // "Question " too
}

TEST(RoutingPolicyTest, CacheAwareBelowTheThresholdGoesToTheRoomiestWorker) {
  CacheAwarePolicy policy({.cache_threshold = 0.9});
  const std::vector<Candidate> candidates{{"a", 0}, {"b", 0}};
  const size_t first = policy.Pick(candidates, "a long shared beginning, then one").index;
  const RoutingDecision second =
      policy.Pick(candidates, "a long shared beginning, but two other words");
  EXPECT_EQ(second.reason, "cache_miss");
  EXPECT_NE(second.index, first);
}

TEST(RoutingPolicyTest, CacheAwareGivesWayToLoadWhenImbalanced) {
  CacheAwarePolicy policy({.balance_abs_threshold = 4, .balance_rel_threshold = 1.5});
  const std::string prompt = "the same prompt every time";
  const std::vector<Candidate> balanced{{"a", 0}, {"b", 0}};
  const size_t holder = policy.Pick(balanced, prompt).index;
  // Five more requests on the holder than on the other: over both thresholds.
  std::vector<Candidate> skewed{{"a", 0}, {"b", 0}};
  skewed[holder].in_flight = 6;
  skewed[1 - holder].in_flight = 1;
  const RoutingDecision decision = policy.Pick(skewed, prompt);
  EXPECT_EQ(decision.reason, "imbalanced");
  EXPECT_EQ(decision.index, 1 - holder);
  // Over the absolute threshold but not the relative one: the cache wins.
  skewed[holder].in_flight = 106;
  skewed[1 - holder].in_flight = 100;
  EXPECT_EQ(policy.Pick(skewed, prompt).reason, "cache_hit");
}

TEST(RoutingPolicyTest, CacheAwareForgetsAWorkerThatLeft) {
  CacheAwarePolicy policy({});
  const std::vector<Candidate> both{{"a", 0}, {"b", 0}};
  const size_t holder = policy.Pick(both, "prompt held by one worker").index;
  policy.Forget(both[holder].worker);
  EXPECT_EQ(policy.tree().TenantChars(both[holder].worker), 0u);
}

}  // namespace
}  // namespace tessera::router
