// The two lookups a BPE tokenizer makes per character of text, as flat
// open-addressing tables: token text to id, and a pair of ids to its merge.
// std::unordered_map's node per entry made them (and loading the 400 000
// entries of Llama 3's tokenizer.json) cache-miss bound.
//
// Both are built once and then only read; reads are safe from any thread.

#ifndef TESSERA_ENGINE_TOKENIZER_TOKEN_TABLES_H_
#define TESSERA_ENGINE_TOKENIZER_TOKEN_TABLES_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/tokenizer/tokenizer.h"

namespace tessera::tokenizer {

// Token text (any bytes) to id.
class TokenIdTable {
 public:
  explicit TokenIdTable(size_t expected_entries = 0);

  // Sets the id of `text`, replacing any earlier one.
  void Set(std::string_view text, TokenId id);

  std::optional<TokenId> Find(std::string_view text) const;

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    uint32_t offset = 0;
    uint32_t length = 0;
    uint64_t hash = 0;
    TokenId id = 0;
  };

  // The slot holding `text`, or the empty slot where it would go.
  size_t SlotOf(std::string_view text, uint64_t hash) const;
  void Grow();

  std::string text_;  // Every key, end to end.
  std::vector<Entry> entries_;
  std::vector<uint32_t> slots_;  // Index into entries_ plus one; zero is empty.
};

// (left id, right id) to the merge's rank and result.
class MergeTable {
 public:
  struct Merge {
    uint32_t rank = 0;
    TokenId merged = 0;
  };

  explicit MergeTable(size_t expected_entries = 0);

  // Sets the merge of (left, right), replacing any earlier one.
  void Set(TokenId left, TokenId right, Merge merge);

  const Merge* Find(TokenId left, TokenId right) const {
    const uint64_t key = Key(left, right);
    for (size_t slot = Hash(key) & mask_;; slot = (slot + 1) & mask_) {
      const Slot& candidate = slots_[slot];
      if (candidate.key == key) return &candidate.merge;
      if (candidate.key == kEmpty) return nullptr;
    }
  }

  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t key = kEmpty;
    Merge merge;
  };
  // No pair of token ids (each below 2^32 - 1) gives this key.
  static constexpr uint64_t kEmpty = ~uint64_t{0};

  static uint64_t Key(TokenId left, TokenId right) {
    return (static_cast<uint64_t>(left) << 32u) | right;
  }
  static size_t Hash(uint64_t key) {
    return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> 32u);
  }
  void Grow();

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace tessera::tokenizer

#endif  // TESSERA_ENGINE_TOKENIZER_TOKEN_TABLES_H_
