// The paged KV cache of one engine: fixed-size blocks handed to sequences on
// demand, and (with prefix caching) full blocks remembered by the hash of
// their tokens and everything before them, so that a later request with the
// same prefix reuses them instead of recomputing. Freed blocks stay cached
// until an allocation needs them, least recently freed first, as vLLM's
// block pool does.

#ifndef TESSERA_ENGINE_SIMULATOR_KV_BLOCK_MANAGER_H_
#define TESSERA_ENGINE_SIMULATOR_KV_BLOCK_MANAGER_H_

#include <cstdint>
#include <list>
#include <span>
#include <unordered_map>
#include <vector>

#include "engine/tokenizer/stand_in_tokenizer.h"

namespace tessera::simulator {

using BlockId = int32_t;

// The blocks one sequence holds, in order, and the chain hashes of those of
// them that are full and committed.
struct SequenceBlocks {
  std::vector<BlockId> blocks;
  std::vector<uint64_t> full_block_hashes;
};

class KvBlockManager {
 public:
  // Precondition: num_blocks > 0, block_size > 0.
  KvBlockManager(int64_t num_blocks, int64_t block_size, bool enable_prefix_caching);

  // For a sequence that holds no blocks yet: takes the cached blocks that
  // match the longest block-aligned prefix of `tokens`, leaving at least one
  // token to compute (the engine must run the model to sample). Returns the
  // number of tokens whose KV is therefore already present; counts a prefix
  // query of tokens.size() tokens and a hit of the returned count.
  int64_t AcquireCachedPrefix(SequenceBlocks& sequence, std::span<const tokenizer::TokenId> tokens);

  // Grows `sequence` to hold `total_tokens` tokens of KV. Returns false, and
  // changes nothing, when there are not enough free blocks.
  bool Reserve(SequenceBlocks& sequence, int64_t total_tokens);

  // Registers the blocks of `sequence` that `computed_tokens` of `tokens` have
  // filled, so that later requests can share them.
  void CommitFullBlocks(SequenceBlocks& sequence, std::span<const tokenizer::TokenId> tokens,
                        int64_t computed_tokens);

  // Returns every block of `sequence` to the pool; it holds none afterwards.
  void Release(SequenceBlocks& sequence);

  int64_t block_size() const { return block_size_; }
  int64_t total_blocks() const { return static_cast<int64_t>(blocks_.size()); }
  int64_t free_blocks() const { return static_cast<int64_t>(free_list_.size()); }
  // Fraction of blocks held by sequences, 0..1 (vllm:kv_cache_usage_perc).
  double Usage() const;
  int64_t prefix_query_tokens() const { return prefix_query_tokens_; }
  int64_t prefix_hit_tokens() const { return prefix_hit_tokens_; }

 private:
  struct Block {
    int32_t references = 0;
    bool hashed = false;
    uint64_t hash = 0;
    std::list<BlockId>::iterator free_position;
  };

  static int64_t BlocksFor(int64_t tokens, int64_t block_size);
  // Takes a block off the free list, evicting its cached contents.
  BlockId TakeFreeBlock();
  void Reference(BlockId id);

  int64_t block_size_;
  bool prefix_caching_;
  std::vector<Block> blocks_;
  // Free blocks, next to be allocated (and evicted) at the front.
  std::list<BlockId> free_list_;
  std::unordered_map<uint64_t, BlockId> cached_;
  int64_t prefix_query_tokens_ = 0;
  int64_t prefix_hit_tokens_ = 0;
};

// The hash of a block given the hash of the block before it: equal only for
// equal prefixes.
uint64_t ChainHash(uint64_t parent, std::span<const tokenizer::TokenId> block_tokens);

}  // namespace tessera::simulator

#endif  // TESSERA_ENGINE_SIMULATOR_KV_BLOCK_MANAGER_H_
