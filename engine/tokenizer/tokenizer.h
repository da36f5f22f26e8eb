// What the engine simulator and the benchmark client need of a model's
// tokenizer: counting a prompt as the engine counts it, and building text of a
// known number of tokens. Two implementations: the built-in stand-in
// (stand_in_tokenizer.h), and a model's own Hugging Face tokenizer.json
// (hugging_face_tokenizer.h), which LoadTokenizer (tokenizer_loader.h) finds.
//
// Implementations are immutable after construction and safe to share between
// threads.

#ifndef TESSERA_ENGINE_TOKENIZER_TOKENIZER_H_
#define TESSERA_ENGINE_TOKENIZER_TOKENIZER_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::tokenizer {

using TokenId = uint32_t;

// A piece of text that is exactly one token wherever it stands in a run of
// word pieces: it begins with one space, and the rest is letters.
struct WordPiece {
  TokenId id = 0;
  std::string text;
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // The ids of `text`, as `tokenizer.encode(text, add_special_tokens=False)`
  // gives them: special tokens written in the text are matched as themselves,
  // none are added.
  virtual std::vector<TokenId> Encode(std::string_view text) const = 0;

  // Encode(text).size(), which an implementation may count without building
  // the vector.
  virtual int64_t CountTokens(std::string_view text) const;

  // The ids the tokenizer puts before a lone sequence when asked for special
  // tokens, as engines tokenize a completion prompt: Llama 3's
  // <|begin_of_text|>, nothing for Qwen.
  virtual std::span<const TokenId> SequencePrefix() const = 0;

  // The text of `ids`, special tokens written out.
  virtual std::string Decode(std::span<const TokenId> ids) const = 0;

  // The id of the token whose text is `content` ("<|im_start|>"), if any.
  virtual std::optional<TokenId> TokenIdOf(std::string_view content) const = 0;

  // Word pieces such that any concatenation of them encodes to one token per
  // piece; never empty, and in a fixed order for a given tokenizer so that a
  // seed gives the same text on every run.
  virtual std::span<const WordPiece> WordPieces() const = 0;

  // What the tokenizer is, for messages and result files: "stand-in", or the
  // path of its tokenizer.json.
  virtual const std::string& Name() const = 0;

  // The system message the model's chat template writes first when a chat
  // has none of its own (Qwen 2.5's "You are Qwen, created by Alibaba
  // Cloud. You are a helpful assistant."); empty when it writes none.
  virtual std::string_view DefaultSystemPrompt() const { return {}; }
};

// The ids an engine counts for a completion prompt: SequencePrefix() then
// Encode(text).
std::vector<TokenId> EncodePrompt(const Tokenizer& tokenizer, std::string_view text);

// EncodePrompt(tokenizer, text).size().
int64_t CountPromptTokens(const Tokenizer& tokenizer, std::string_view text);

}  // namespace tessera::tokenizer

#endif  // TESSERA_ENGINE_TOKENIZER_TOKENIZER_H_
