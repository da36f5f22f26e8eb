#include "router/policy/prefix_tree.h"

#include <string>

#include <gtest/gtest.h>

namespace tessera::router {
namespace {

const auto kAnyone = [](std::string_view) { return true; };

TEST(PrefixTreeTest, TheLongestHeldPrefixAndItsHolder) {
  PrefixTree tree(1 << 20);
  tree.Insert("You are a helpful assistant. Tell me about Paris", "a");
  tree.Insert("You are a helpful assistant. Tell me about Rome", "b");
  const PrefixTree::Match match =
      tree.LongestMatch("You are a helpful assistant. Tell me about Paris!", kAnyone);
  EXPECT_EQ(match.tenant, "a");
  EXPECT_EQ(match.matched_chars, 48u);
  // The shared system prompt is held by both; the most recent user wins.
  const PrefixTree::Match shared = tree.LongestMatch("You are a helpful assistant. Hello", kAnyone);
  EXPECT_EQ(shared.tenant, "b");
  EXPECT_EQ(shared.matched_chars, 29u);
}

TEST(PrefixTreeTest, NothingMatchesAnEmptyTreeOrAnUnseenPrompt) {
  PrefixTree tree(1 << 20);
  EXPECT_EQ(tree.LongestMatch("anything", kAnyone).tenant, "");
  tree.Insert("hello", "a");
  const PrefixTree::Match match = tree.LongestMatch("world", kAnyone);
  EXPECT_EQ(match.tenant, "");
  EXPECT_EQ(match.matched_chars, 0u);
}

TEST(PrefixTreeTest, OnlyEligibleTenantsMatch) {
  PrefixTree tree(1 << 20);
  tree.Insert("shared prefix then a", "a");
  tree.Insert("shared prefix then b", "b");
  const PrefixTree::Match match = tree.LongestMatch(
      "shared prefix then a and more", [](std::string_view tenant) { return tenant == "b"; });
  EXPECT_EQ(match.tenant, "b");
  EXPECT_EQ(match.matched_chars, 19u);
}

TEST(PrefixTreeTest, SplittingKeepsEachTenantsCharacterCount) {
  PrefixTree tree(1 << 20);
  tree.Insert("abcdef", "a");
  EXPECT_EQ(tree.TenantChars("a"), 6u);
  tree.Insert("abcxyz", "b");
  EXPECT_EQ(tree.TenantChars("a"), 6u);
  EXPECT_EQ(tree.TenantChars("b"), 6u);
  tree.Insert("abcxyz", "a");
  EXPECT_EQ(tree.TenantChars("a"), 9u);  // abc + def + xyz
  EXPECT_EQ(tree.node_count(), 3u);
}

TEST(PrefixTreeTest, EvictionKeepsEachTenantWithinItsBoundLeastRecentFirst) {
  PrefixTree tree(100);
  for (int i = 0; i < 50; ++i) {
    tree.Insert("prompt number " + std::to_string(1000 + i) + " with some text", "a");
    EXPECT_LE(tree.TenantChars("a"), 100u);
  }
  // The latest prompt survives, the first ones are gone.
  EXPECT_EQ(tree.LongestMatch("prompt number 1049 with some text", kAnyone).matched_chars, 33u);
  EXPECT_LT(tree.LongestMatch("prompt number 1000 with some text", kAnyone).matched_chars, 33u);
}

TEST(PrefixTreeTest, EvictingOneTenantLeavesTheOthersPrefixes) {
  PrefixTree tree(40);
  tree.Insert("the other tenant's prompt", "b");
  for (int i = 0; i < 20; ++i) tree.Insert("a's prompt " + std::to_string(i) + " padding", "a");
  EXPECT_EQ(tree.TenantChars("b"), 25u);
  EXPECT_EQ(tree.LongestMatch("the other tenant's prompt", kAnyone).tenant, "b");
}

TEST(PrefixTreeTest, RemovingATenantFreesWhatOnlyItHeld) {
  PrefixTree tree(1 << 20);
  tree.Insert("common start, a's end", "a");
  tree.Insert("common start, b's end", "b");
  tree.RemoveTenant("a");
  EXPECT_EQ(tree.TenantChars("a"), 0u);
  EXPECT_EQ(tree.LongestMatch("common start, a's end", kAnyone).tenant, "b");
  EXPECT_EQ(tree.LongestMatch("common start, a's end", kAnyone).matched_chars, 14u);
  tree.RemoveTenant("b");
  EXPECT_EQ(tree.node_count(), 0u);
  tree.RemoveTenant("never seen");
}

TEST(PrefixTreeTest, ADeepTreeIsFreedWithoutRecursion) {
  PrefixTree tree(size_t{1} << 30);
  std::string prompt;
  for (int i = 0; i < 3000; ++i) {
    prompt += 'x';
    tree.Insert(prompt + "!", "a");  // every insert branches one level deeper
  }
  EXPECT_GT(tree.node_count(), 3000u);
  tree.RemoveTenant("a");
  EXPECT_EQ(tree.node_count(), 0u);
}

}  // namespace
}  // namespace tessera::router
