// The BPE model of a byte-level tokenizer: turns one pre-token (raw bytes)
// into vocabulary ids by applying merges in rank order, as Hugging Face
// `tokenizers`' BPE model does (lowest rank first, leftmost first among equal
// ranks), with its `ignore_merges` shortcut (a pre-token that is itself in the
// vocabulary is that one token).
//
// Immutable after construction apart from an internal cache of pre-tokens
// already encoded, which is guarded; safe to share between threads.

#ifndef TESSERA_ENGINE_TOKENIZER_BYTE_PAIR_ENCODER_H_
#define TESSERA_ENGINE_TOKENIZER_BYTE_PAIR_ENCODER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/tokenizer/tokenizer.h"

namespace tessera::tokenizer {

class BytePairEncoder {
 public:
  struct Merge {
    uint32_t rank = 0;
    TokenId merged = 0;
  };

  // Hashes std::string and std::string_view alike so that lookups by a view
  // allocate nothing.
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  using VocabularyByBytes = std::unordered_map<std::string, TokenId, StringHash, std::equal_to<>>;

  // `vocabulary` maps each token's bytes to its id; `merges` maps the pair
  // (left id, right id) to the merge's rank and result. A byte with no token
  // of its own is dropped from the pre-tokens it occurs in, as `tokenizers`
  // does without an unknown token.
  BytePairEncoder(VocabularyByBytes vocabulary, std::unordered_map<uint64_t, Merge> merges,
                  bool ignore_merges);
  ~BytePairEncoder();
  BytePairEncoder(const BytePairEncoder&) = delete;
  BytePairEncoder& operator=(const BytePairEncoder&) = delete;

  static uint64_t PairKey(TokenId left, TokenId right) {
    return (static_cast<uint64_t>(left) << 32u) | right;
  }

  // Appends the ids of `word` (raw bytes of one pre-token) to `ids`.
  void Encode(std::string_view word, std::vector<TokenId>* ids) const;

  // The id whose bytes are exactly `bytes`, if any.
  std::optional<TokenId> IdOfBytes(std::string_view bytes) const;

 private:
  struct Cache;

  void ApplyMerges(std::string_view word, std::vector<TokenId>* ids) const;

  VocabularyByBytes vocabulary_;
  std::unordered_map<uint64_t, BytePairEncoder::Merge> merges_;
  std::array<std::optional<TokenId>, 256> byte_ids_{};
  bool ignore_merges_ = false;
  std::unique_ptr<Cache> cache_;
};

}  // namespace tessera::tokenizer

#endif  // TESSERA_ENGINE_TOKENIZER_BYTE_PAIR_ENCODER_H_
