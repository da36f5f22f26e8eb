#include "engine/simulator/kv_block_manager.h"

#include <numeric>
#include <vector>

#include <gtest/gtest.h>

namespace tessera::simulator {
namespace {

std::vector<tokenizer::TokenId> Tokens(int count, tokenizer::TokenId first = 0) {
  std::vector<tokenizer::TokenId> tokens(static_cast<size_t>(count));
  std::iota(tokens.begin(), tokens.end(), first);
  return tokens;
}

TEST(KvBlockManagerTest, ReservesWholeBlocksAndRefusesWhenFull) {
  KvBlockManager cache(4, 16, false);
  SequenceBlocks a;
  EXPECT_TRUE(cache.Reserve(a, 17));  // two blocks
  EXPECT_EQ(a.blocks.size(), 2u);
  EXPECT_EQ(cache.free_blocks(), 2);
  EXPECT_DOUBLE_EQ(cache.Usage(), 0.5);
  SequenceBlocks b;
  EXPECT_FALSE(cache.Reserve(b, 48));  // needs three
  EXPECT_TRUE(b.blocks.empty());
  EXPECT_EQ(cache.free_blocks(), 2);
  EXPECT_TRUE(cache.Reserve(a, 32));  // still two
  cache.Release(a);
  EXPECT_EQ(cache.free_blocks(), 4);
}

TEST(KvBlockManagerTest, SharedPrefixIsReusedButOneTokenIsAlwaysComputed) {
  KvBlockManager cache(8, 4, true);
  const auto tokens = Tokens(12);
  SequenceBlocks first;
  EXPECT_EQ(cache.AcquireCachedPrefix(first, tokens), 0);
  ASSERT_TRUE(cache.Reserve(first, 12));
  cache.CommitFullBlocks(first, tokens, 12);
  cache.Release(first);

  SequenceBlocks second;
  // 12 tokens = 3 full blocks, but the last token must be computed, so only
  // two blocks are reused.
  EXPECT_EQ(cache.AcquireCachedPrefix(second, tokens), 8);
  EXPECT_EQ(cache.prefix_query_tokens(), 24);
  EXPECT_EQ(cache.prefix_hit_tokens(), 8);

  auto longer = Tokens(20);
  SequenceBlocks third;
  EXPECT_EQ(cache.AcquireCachedPrefix(third, longer), 12);  // shares the live blocks
}

TEST(KvBlockManagerTest, DifferentPrefixMisses) {
  KvBlockManager cache(8, 4, true);
  const auto tokens = Tokens(8);
  SequenceBlocks first;
  ASSERT_TRUE(cache.Reserve(first, 8));
  cache.CommitFullBlocks(first, tokens, 8);
  SequenceBlocks other;
  EXPECT_EQ(cache.AcquireCachedPrefix(other, Tokens(8, 100)), 0);
}

TEST(KvBlockManagerTest, EvictsLeastRecentlyFreedCachedBlocksFirst) {
  KvBlockManager cache(4, 4, true);
  const auto old_tokens = Tokens(9, 0);
  SequenceBlocks old_sequence;
  ASSERT_TRUE(cache.Reserve(old_sequence, 9));
  cache.CommitFullBlocks(old_sequence, old_tokens, 9);
  cache.Release(old_sequence);  // 3 blocks cached but free

  // A new sequence needing all four blocks evicts the cached ones.
  SequenceBlocks big;
  ASSERT_TRUE(cache.Reserve(big, 16));
  cache.Release(big);
  SequenceBlocks again;
  EXPECT_EQ(cache.AcquireCachedPrefix(again, old_tokens), 0);
}

TEST(KvBlockManagerTest, DisabledCachingNeverHits) {
  KvBlockManager cache(8, 4, false);
  const auto tokens = Tokens(12);
  SequenceBlocks first;
  ASSERT_TRUE(cache.Reserve(first, 12));
  cache.CommitFullBlocks(first, tokens, 12);
  cache.Release(first);
  SequenceBlocks second;
  EXPECT_EQ(cache.AcquireCachedPrefix(second, tokens), 0);
  EXPECT_EQ(cache.prefix_query_tokens(), 12);
}

}  // namespace
}  // namespace tessera::simulator
