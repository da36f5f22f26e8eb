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
#include <vector>

#include "engine/tokenizer/token_tables.h"
#include "engine/tokenizer/tokenizer.h"

namespace tessera::tokenizer {

class BytePairEncoder {
 public:
  // `vocabulary` maps each token's bytes to its id; `merges` maps the pair
  // (left id, right id) to the merge's rank and result. A byte with no token
  // of its own is dropped from the pre-tokens it occurs in, as `tokenizers`
  // does without an unknown token.
  BytePairEncoder(TokenIdTable vocabulary, MergeTable merges, bool ignore_merges);
  ~BytePairEncoder();
  BytePairEncoder(const BytePairEncoder&) = delete;
  BytePairEncoder& operator=(const BytePairEncoder&) = delete;

  // Appends the ids of `word` (raw bytes of one pre-token) to `ids`.
  void Encode(std::string_view word, std::vector<TokenId>* ids) const;

  // The id whose bytes are exactly `bytes`, if any.
  std::optional<TokenId> IdOfBytes(std::string_view bytes) const;

 private:
  struct Cache;

  void ApplyMerges(std::string_view word, std::vector<TokenId>* ids) const;

  TokenIdTable vocabulary_;
  MergeTable merges_;
  std::array<std::optional<TokenId>, 256> byte_ids_{};
  bool ignore_merges_ = false;
  std::unique_ptr<Cache> cache_;
};

}  // namespace tessera::tokenizer

#endif  // TESSERA_ENGINE_TOKENIZER_BYTE_PAIR_ENCODER_H_
