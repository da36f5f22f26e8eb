#include "engine/simulator/kv_block_manager.h"

#include <algorithm>
#include <cassert>

namespace tessera::simulator {

uint64_t ChainHash(uint64_t parent, std::span<const tokenizer::TokenId> block_tokens) {
  // FNV-1a over the parent hash and the token ids, then a final avalanche
  // (splitmix64) so that nearby inputs spread over the table.
  uint64_t hash = 1469598103934665603ULL ^ parent;
  for (tokenizer::TokenId token : block_tokens) {
    hash ^= token;
    hash *= 1099511628211ULL;
  }
  hash ^= hash >> 30;
  hash *= 0xbf58476d1ce4e5b9ULL;
  hash ^= hash >> 27;
  hash *= 0x94d049bb133111ebULL;
  hash ^= hash >> 31;
  return hash;
}

KvBlockManager::KvBlockManager(int64_t num_blocks, int64_t block_size, bool enable_prefix_caching)
    : block_size_(block_size),
      prefix_caching_(enable_prefix_caching),
      blocks_(static_cast<size_t>(num_blocks)) {
  assert(num_blocks > 0 && block_size > 0);
  for (BlockId id = 0; id < static_cast<BlockId>(num_blocks); ++id) {
    blocks_[static_cast<size_t>(id)].free_position = free_list_.insert(free_list_.end(), id);
  }
}

int64_t KvBlockManager::BlocksFor(int64_t tokens, int64_t block_size) {
  return (tokens + block_size - 1) / block_size;
}

double KvBlockManager::Usage() const {
  return 1.0 - static_cast<double>(free_blocks()) / static_cast<double>(total_blocks());
}

BlockId KvBlockManager::TakeFreeBlock() {
  const BlockId id = free_list_.front();
  free_list_.pop_front();
  Block& block = blocks_[static_cast<size_t>(id)];
  if (block.hashed) {
    cached_.erase(block.hash);
    block.hashed = false;
  }
  block.free_position = free_list_.end();
  block.references = 1;
  return id;
}

void KvBlockManager::Reference(BlockId id) {
  Block& block = blocks_[static_cast<size_t>(id)];
  if (block.references == 0) {
    free_list_.erase(block.free_position);
    block.free_position = free_list_.end();
  }
  ++block.references;
}

int64_t KvBlockManager::AcquireCachedPrefix(SequenceBlocks& sequence,
                                            std::span<const tokenizer::TokenId> tokens) {
  assert(sequence.blocks.empty());
  prefix_query_tokens_ += static_cast<int64_t>(tokens.size());
  if (!prefix_caching_ || tokens.empty()) return 0;
  const int64_t reusable_blocks = (static_cast<int64_t>(tokens.size()) - 1) / block_size_;
  uint64_t parent = 0;
  for (int64_t index = 0; index < reusable_blocks; ++index) {
    const uint64_t hash = ChainHash(parent, tokens.subspan(static_cast<size_t>(index * block_size_),
                                                           static_cast<size_t>(block_size_)));
    const auto hit = cached_.find(hash);
    if (hit == cached_.end()) break;
    Reference(hit->second);
    sequence.blocks.push_back(hit->second);
    sequence.full_block_hashes.push_back(hash);
    parent = hash;
  }
  const int64_t hit_tokens = static_cast<int64_t>(sequence.blocks.size()) * block_size_;
  prefix_hit_tokens_ += hit_tokens;
  return hit_tokens;
}

bool KvBlockManager::Reserve(SequenceBlocks& sequence, int64_t total_tokens) {
  const int64_t needed =
      BlocksFor(total_tokens, block_size_) - static_cast<int64_t>(sequence.blocks.size());
  if (needed <= 0) return true;
  if (needed > free_blocks()) return false;
  for (int64_t i = 0; i < needed; ++i) sequence.blocks.push_back(TakeFreeBlock());
  return true;
}

void KvBlockManager::CommitFullBlocks(SequenceBlocks& sequence,
                                      std::span<const tokenizer::TokenId> tokens,
                                      int64_t computed_tokens) {
  if (!prefix_caching_) return;
  const int64_t full_blocks =
      std::min(computed_tokens / block_size_, static_cast<int64_t>(sequence.blocks.size()));
  for (auto index = static_cast<int64_t>(sequence.full_block_hashes.size()); index < full_blocks;
       ++index) {
    const uint64_t parent = index == 0 ? 0 : sequence.full_block_hashes.back();
    const uint64_t hash = ChainHash(parent, tokens.subspan(static_cast<size_t>(index * block_size_),
                                                           static_cast<size_t>(block_size_)));
    sequence.full_block_hashes.push_back(hash);
    Block& block = blocks_[static_cast<size_t>(sequence.blocks[static_cast<size_t>(index)])];
    // Another sequence may have cached the same content first; keep that one.
    if (!block.hashed &&
        cached_.emplace(hash, sequence.blocks[static_cast<size_t>(index)]).second) {
      block.hashed = true;
      block.hash = hash;
    }
  }
}

void KvBlockManager::Release(SequenceBlocks& sequence) {
  // Last blocks first, so that a sequence's tail (the least shareable part) is
  // evicted before its prefix.
  for (size_t index = sequence.blocks.size(); index-- > 0;) {
    const BlockId id = sequence.blocks[index];
    Block& block = blocks_[static_cast<size_t>(id)];
    assert(block.references > 0);
    if (--block.references == 0) block.free_position = free_list_.insert(free_list_.end(), id);
  }
  sequence.blocks.clear();
  sequence.full_block_hashes.clear();
}

}  // namespace tessera::simulator
