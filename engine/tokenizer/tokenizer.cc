#include "engine/tokenizer/tokenizer.h"

namespace tessera::tokenizer {

int64_t Tokenizer::CountTokens(std::string_view text) const {
  return static_cast<int64_t>(Encode(text).size());
}

std::vector<TokenId> EncodePrompt(const Tokenizer& tokenizer, std::string_view text) {
  const std::span<const TokenId> prefix = tokenizer.SequencePrefix();
  std::vector<TokenId> ids(prefix.begin(), prefix.end());
  std::vector<TokenId> content = tokenizer.Encode(text);
  ids.insert(ids.end(), content.begin(), content.end());
  return ids;
}

int64_t CountPromptTokens(const Tokenizer& tokenizer, std::string_view text) {
  return static_cast<int64_t>(tokenizer.SequencePrefix().size()) + tokenizer.CountTokens(text);
}

}  // namespace tessera::tokenizer
