#include "engine/tokenizer/text_generator.h"

#include <utility>

namespace tessera::tokenizer {

TextGenerator::TextGenerator(std::shared_ptr<const Tokenizer> tokenizer, uint64_t seed)
    : tokenizer_(std::move(tokenizer)), random_(seed) {}

std::string TextGenerator::Words(int64_t count) {
  std::string text;
  text.reserve(static_cast<size_t>(count) * 6);
  for (int64_t i = 0; i < count; ++i) text += NextOutputToken().text;
  return text;
}

const WordPiece& TextGenerator::NextOutputToken() {
  const std::span<const WordPiece> pieces = tokenizer_->WordPieces();
  return pieces[static_cast<size_t>(random_() % pieces.size())];
}

}  // namespace tessera::tokenizer
