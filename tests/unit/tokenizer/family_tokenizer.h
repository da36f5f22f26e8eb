// A tokenizer for tests: the stand-in's text splitting with a chosen
// vocabulary of special tokens and sequence prefix, standing for a model
// family's tokenizer (Llama 3, Qwen, DeepSeek) without its files.

#ifndef TESSERA_TESTS_UNIT_TOKENIZER_FAMILY_TOKENIZER_H_
#define TESSERA_TESTS_UNIT_TOKENIZER_FAMILY_TOKENIZER_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/tokenizer/stand_in_tokenizer.h"

namespace tessera::tokenizer {

class FamilyTokenizer final : public Tokenizer {
 public:
  FamilyTokenizer(std::map<std::string, TokenId, std::less<>> specials, std::vector<TokenId> prefix,
                  std::string default_system_prompt = "")
      : specials_(std::move(specials)),
        prefix_(std::move(prefix)),
        default_system_prompt_(std::move(default_system_prompt)) {}

  std::vector<TokenId> Encode(std::string_view text) const override {
    return stand_in_->Encode(text);
  }
  std::span<const TokenId> SequencePrefix() const override { return prefix_; }
  std::string Decode(std::span<const TokenId> ids) const override { return stand_in_->Decode(ids); }
  std::optional<TokenId> TokenIdOf(std::string_view content) const override {
    const auto found = specials_.find(content);
    if (found == specials_.end()) return std::nullopt;
    return found->second;
  }
  std::span<const WordPiece> WordPieces() const override { return stand_in_->WordPieces(); }
  const std::string& Name() const override { return name_; }
  std::string_view DefaultSystemPrompt() const override { return default_system_prompt_; }

 private:
  std::shared_ptr<const Tokenizer> stand_in_ = StandInTokenizer::Shared();
  std::map<std::string, TokenId, std::less<>> specials_;
  std::vector<TokenId> prefix_;
  std::string default_system_prompt_;
  std::string name_ = "family";
};

}  // namespace tessera::tokenizer

#endif  // TESSERA_TESTS_UNIT_TOKENIZER_FAMILY_TOKENIZER_H_
