// A deterministic stand-in for an engine's tokenizer, shared by the engine
// simulator and the benchmark client so that a prompt built with N tokens
// counts N tokens on both sides, without shipping a real vocabulary.
//
// The rule, close to how BPE tokenizers split English text:
//   - a token is an optional single leading space followed by up to
//     kMaxPieceCodepoints non-whitespace code points ("Hello" -> "Hell","o";
//     " world" -> " worl","d");
//   - every other whitespace character is a token of its own.
// Token ids are a hash of the token's bytes, so equal text gives equal ids and
// prefix caching sees shared prefixes.

#ifndef TESSERA_ENGINE_TOKENIZER_STAND_IN_TOKENIZER_H_
#define TESSERA_ENGINE_TOKENIZER_STAND_IN_TOKENIZER_H_

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::tokenizer {

inline constexpr int kMaxPieceCodepoints = 4;

using TokenId = uint32_t;

// Splits `text` into token ids.
std::vector<TokenId> Tokenize(std::string_view text);

// Number of tokens in `text`; equals Tokenize(text).size() without building
// the vector.
int64_t CountTokens(std::string_view text);

// Produces words that are exactly one token each and text made of them, so
// that generated prompts and generated output have known token counts.
class TextGenerator {
 public:
  explicit TextGenerator(uint64_t seed);

  // `count` tokens of words separated by single spaces, no leading space:
  // CountTokens(Words(n)) == n.
  std::string Words(int64_t count);

  // One token of output as an engine would stream it: a space and a word.
  std::string NextOutputToken();

 private:
  std::string_view RandomWord();

  std::mt19937_64 random_;
};

// Tokens a chat template adds around `message_count` messages: a
// beginning-of-text token, per message a header (start, role, end, blank
// line) and an end-of-turn token, and the assistant header that prompts the
// reply: the shape of the Llama 3 template.
int64_t ChatTemplateOverheadTokens(int64_t message_count);

}  // namespace tessera::tokenizer

#endif  // TESSERA_ENGINE_TOKENIZER_STAND_IN_TOKENIZER_H_
