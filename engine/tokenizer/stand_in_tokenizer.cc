#include "engine/tokenizer/stand_in_tokenizer.h"

#include <array>

namespace tessera::tokenizer {
namespace {

bool IsWhitespace(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// FNV-1a: stable across platforms and runs, which Python's hash() is not.
TokenId HashPiece(std::string_view piece) {
  uint32_t hash = 2166136261u;
  for (char c : piece) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 16777619u;
  }
  return hash;
}

// Calls `emit(piece)` for each token of `text`, in order.
template <typename Emit>
void Split(std::string_view text, Emit&& emit) {
  size_t position = 0;
  while (position < text.size()) {
    const size_t start = position;
    const bool leading_space =
        text[position] == ' ' && position + 1 < text.size() && !IsWhitespace(text[position + 1]);
    if (IsWhitespace(text[position]) && !leading_space) {
      ++position;
      emit(text.substr(start, 1));
      continue;
    }
    if (leading_space) ++position;
    int codepoints = 0;
    while (position < text.size() && !IsWhitespace(text[position]) &&
           codepoints < kMaxPieceCodepoints) {
      ++position;
      while (position < text.size() && IsContinuationByte(text[position])) ++position;
      ++codepoints;
    }
    emit(text.substr(start, position - start));
  }
}

// Short English words, each at most kMaxPieceCodepoints letters so that a
// word (with or without its leading space) is one token.
constexpr std::array<std::string_view, 64> kWords = {
    "the",  "of",   "and",  "to",   "in",   "is",   "that", "for",  "it",   "as",   "was",
    "with", "be",   "by",   "on",   "not",  "he",   "this", "are",  "or",   "his",  "from",
    "at",   "but",  "have", "an",   "they", "you",  "were", "her",  "she",  "will", "one",
    "all",  "we",   "can",  "been", "has",  "more", "if",   "no",   "out",  "so",   "said",
    "what", "up",   "its",  "time", "only", "into", "new",  "some", "than", "them", "two",
    "may",  "then", "do",   "my",   "now",  "such", "like", "our",  "over"};

}  // namespace

std::vector<TokenId> Tokenize(std::string_view text) {
  std::vector<TokenId> ids;
  ids.reserve(text.size() / 3 + 1);
  Split(text, [&ids](std::string_view piece) { ids.push_back(HashPiece(piece)); });
  return ids;
}

int64_t CountTokens(std::string_view text) {
  int64_t count = 0;
  Split(text, [&count](std::string_view) { ++count; });
  return count;
}

TextGenerator::TextGenerator(uint64_t seed) : random_(seed) {}

std::string_view TextGenerator::RandomWord() {
  return kWords[static_cast<size_t>(random_() % kWords.size())];
}

std::string TextGenerator::Words(int64_t count) {
  std::string text;
  text.reserve(static_cast<size_t>(count) * 5);
  for (int64_t i = 0; i < count; ++i) {
    if (i > 0) text += ' ';
    text += RandomWord();
  }
  return text;
}

std::string TextGenerator::NextOutputToken() {
  std::string token = " ";
  token += RandomWord();
  return token;
}

int64_t ChatTemplateOverheadTokens(int64_t message_count) {
  constexpr int64_t kBeginOfText = 1;
  constexpr int64_t kPerMessage = 5;  // start header, role, end header, "\n\n", end of turn
  constexpr int64_t kAssistantPrompt = 4;
  return kBeginOfText + kPerMessage * message_count + kAssistantPrompt;
}

}  // namespace tessera::tokenizer
