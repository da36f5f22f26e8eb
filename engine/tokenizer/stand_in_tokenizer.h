// The built-in tokenizer, for when no model's own tokenizer is given: shared
// by the engine simulator and the benchmark client so that a prompt built
// with N tokens counts N tokens on both sides, without shipping a vocabulary.
//
// The rule, close to how BPE tokenizers split English text:
//   - a token is an optional single leading space followed by up to
//     kMaxPieceCodepoints non-whitespace code points ("Hello" -> "Hell","o";
//     " world" -> " worl","d");
//   - every other whitespace character is a token of its own.
// Token ids are a hash of the token's bytes, so equal text gives equal ids and
// prefix caching sees shared prefixes. It adds nothing before a sequence, and
// knows Llama 3's chat tokens by their ids, and the chat roles as one token
// each, so that chat prompts are shaped like Llama 3's.

#ifndef TESSERA_ENGINE_TOKENIZER_STAND_IN_TOKENIZER_H_
#define TESSERA_ENGINE_TOKENIZER_STAND_IN_TOKENIZER_H_

#include <memory>
#include <vector>

#include "engine/tokenizer/tokenizer.h"

namespace tessera::tokenizer {

inline constexpr int kMaxPieceCodepoints = 4;

class StandInTokenizer final : public Tokenizer {
 public:
  // The one instance; the stand-in has no configuration.
  static std::shared_ptr<const Tokenizer> Shared();

  std::vector<TokenId> Encode(std::string_view text) const override;
  int64_t CountTokens(std::string_view text) const override;
  std::span<const TokenId> SequencePrefix() const override { return {}; }
  // Ids the stand-in cannot name (hashes of arbitrary text) decode to "".
  std::string Decode(std::span<const TokenId> ids) const override;
  std::optional<TokenId> TokenIdOf(std::string_view content) const override;
  std::span<const WordPiece> WordPieces() const override { return word_pieces_; }
  const std::string& Name() const override { return name_; }

 private:
  StandInTokenizer();

  std::vector<WordPiece> word_pieces_;
  std::string name_ = "stand-in";
};

}  // namespace tessera::tokenizer

#endif  // TESSERA_ENGINE_TOKENIZER_STAND_IN_TOKENIZER_H_
