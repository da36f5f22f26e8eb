// A model's own tokenizer, read from its Hugging Face tokenizer.json (and
// tokenizer_config.json when there is one), for the byte-level BPE tokenizers
// of Llama 3, Qwen 2.5/3, DeepSeek V3 and the GPT-2 family. Encode gives the
// ids `transformers.AutoTokenizer.from_pretrained(dir).encode(text,
// add_special_tokens=False)` gives, which is how vLLM and SGLang count a
// prompt; tests/e2e/test_tokenizer_parity.py holds it to that.
//
// What is read (anything else is refused by Load with the JSON path at fault):
//   model          BPE: vocab, merges ("a b" or ["a", "b"]), ignore_merges;
//                  byte_fallback false, no dropout, no subword prefix/suffix
//   normalizer     null, NFC, NFD, NFKC, NFKD, or a Sequence of these
//   pre_tokenizer  Split (Regex or String pattern, behavior Isolated, not
//                  inverted) any number of times, then ByteLevel (its GPT-2
//                  pattern when use_regex, add_prefix_space); or a ByteLevel
//                  alone
//   post_processor null, ByteLevel, TemplateProcessing whose single sequence
//                  has special tokens only before $A, or a Sequence of these
//   decoder        ByteLevel
//   added_tokens   matched in the text before pre-tokenization, longest
//                  first at the leftmost place; normalized ones after the
//                  normalizer; lstrip, rstrip and single_word as `tokenizers`
//                  applies them
// and from tokenizer_config.json the rule transformers applies to the
// LlamaTokenizerFast family: add_bos_token (default true) puts bos_token
// before every sequence, whatever tokenizer.json's post-processor says; and
// the default system turn of a ChatML chat_template.
//
// Text that is not valid UTF-8 is read as String::from_utf8_lossy reads it:
// each ill-formed sequence stands for U+FFFD.

#ifndef TESSERA_ENGINE_TOKENIZER_HUGGING_FACE_TOKENIZER_H_
#define TESSERA_ENGINE_TOKENIZER_HUGGING_FACE_TOKENIZER_H_

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "engine/tokenizer/byte_pair_encoder.h"
#include "engine/tokenizer/regex.h"
#include "engine/tokenizer/token_tables.h"
#include "engine/tokenizer/tokenizer.h"
#include "engine/tokenizer/unicode_text.h"

namespace tessera::tokenizer {

class HuggingFaceTokenizer final : public Tokenizer {
 public:
  // Reads and checks both files. Errors name the file, the JSON path and the
  // value at fault: NotFound for a missing file, InvalidArgument for a
  // malformed one, Unimplemented for a configuration Tessera does not read.
  static StatusOr<std::unique_ptr<HuggingFaceTokenizer>> Load(
      const std::filesystem::path& tokenizer_json,
      const std::optional<std::filesystem::path>& tokenizer_config_json);

  ~HuggingFaceTokenizer() override;
  HuggingFaceTokenizer(const HuggingFaceTokenizer&) = delete;
  HuggingFaceTokenizer& operator=(const HuggingFaceTokenizer&) = delete;

  std::vector<TokenId> Encode(std::string_view text) const override;
  std::span<const TokenId> SequencePrefix() const override;
  // The bytes of each token (an added token's content as written), read as
  // UTF-8 the way `tokenizers` does (String::from_utf8_lossy). Ids the
  // tokenizer does not have are skipped. Unlike transformers' decode with
  // clean_up_tokenization_spaces, no space before punctuation is removed.
  std::string Decode(std::span<const TokenId> ids) const override;
  // An added token by its content, or a vocabulary token by the text it
  // stands for (" the", which tokenizer.json writes "Ġthe").
  std::optional<TokenId> TokenIdOf(std::string_view content) const override;
  // The vocabulary tokens whose text is one space and one or more letters
  // (\p{L}) and that encode alone to themselves, by id.
  std::span<const WordPiece> WordPieces() const override;
  const std::string& Name() const override;
  // Read from tokenizer_config.json's chat_template (the "default" one of a
  // list): the text of a quoted '<|im_start|>system\n…<|im_end|>' literal,
  // as ChatML templates write their default system turn.
  std::string_view DefaultSystemPrompt() const override;

  // Implementation detail of Load, public for its helpers.
  struct AddedToken {
    std::string content;
    TokenId id = 0;
    bool normalized = false;
    // Whitespace before (after) a match is part of the token.
    bool lstrip = false;
    bool rstrip = false;
    // Matches only where no word character touches it on either side.
    bool single_word = false;
  };
  struct AddedTokenTrie;

 private:
  HuggingFaceTokenizer();

  // Encodes text free of added tokens that matched before normalization.
  void EncodeRaw(std::string_view text, std::vector<TokenId>* ids) const;
  // Encodes normalized text free of added tokens.
  void EncodeNormalized(std::string_view text, std::vector<TokenId>* ids) const;
  void EncodePreToken(std::string_view piece, std::vector<TokenId>* ids) const;
  // What Decode writes for `id`. Precondition: id_exists_[id].
  std::string_view BytesOf(TokenId id) const;

  std::string name_;
  std::vector<NormalizationForm> normalizers_;
  std::vector<Regex> splits_;
  bool add_prefix_space_ = false;
  std::optional<Regex> byte_level_regex_;
  std::unique_ptr<BytePairEncoder> encoder_;
  std::vector<AddedToken> added_tokens_;  // The tries below point into it.
  std::unique_ptr<AddedTokenTrie> raw_added_tokens_;
  std::unique_ptr<AddedTokenTrie> normalized_added_tokens_;
  TokenIdTable id_by_content_;
  // The bytes Decode writes for each id, end to end: those of id i are
  // [decode_offsets_[i], decode_offsets_[i + 1]). Indexed by id, whether it
  // exists.
  std::string decode_bytes_;
  std::vector<uint32_t> decode_offsets_;
  std::vector<bool> id_exists_;
  std::vector<TokenId> sequence_prefix_;
  std::vector<WordPiece> word_pieces_;
  std::string default_system_prompt_;
};

}  // namespace tessera::tokenizer

#endif  // TESSERA_ENGINE_TOKENIZER_HUGGING_FACE_TOKENIZER_H_
