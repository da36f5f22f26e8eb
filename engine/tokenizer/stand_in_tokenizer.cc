#include "engine/tokenizer/stand_in_tokenizer.h"

#include <algorithm>
#include <array>
#include <utility>

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
// word with its leading space is one token.
constexpr std::array<std::string_view, 64> kWords = {
    "the",  "of",   "and",  "to",   "in",   "is",   "that", "for",  "it",   "as",   "was",
    "with", "be",   "by",   "on",   "not",  "he",   "this", "are",  "or",   "his",  "from",
    "at",   "but",  "have", "an",   "they", "you",  "were", "her",  "she",  "will", "one",
    "all",  "we",   "can",  "been", "has",  "more", "if",   "no",   "out",  "so",   "said",
    "what", "up",   "its",  "time", "only", "into", "new",  "some", "than", "them", "two",
    "may",  "then", "do",   "my",   "now",  "such", "like", "our",  "over"};

// Llama 3's ids for the tokens of its chat template, so that equal
// conversations share cache blocks as they do on a Llama 3 engine.
constexpr std::array<std::pair<std::string_view, TokenId>, 5> kChatTokens = {{
    {"<|begin_of_text|>", 128000},
    {"<|start_header_id|>", 128006},
    {"<|end_header_id|>", 128007},
    {"<|eot_id|>", 128009},
    {"\n\n", 271},
}};

// Chat roles, each one token in Llama 3's vocabulary.
constexpr std::array<std::string_view, 4> kRoles = {"system", "user", "assistant", "tool"};

}  // namespace

std::shared_ptr<const Tokenizer> StandInTokenizer::Shared() {
  static const std::shared_ptr<const Tokenizer> kInstance(new StandInTokenizer());
  return kInstance;
}

StandInTokenizer::StandInTokenizer() {
  word_pieces_.reserve(kWords.size());
  for (std::string_view word : kWords) {
    std::string text = " " + std::string(word);
    const TokenId id = HashPiece(text);
    word_pieces_.push_back({.id = id, .text = std::move(text)});
  }
}

std::vector<TokenId> StandInTokenizer::Encode(std::string_view text) const {
  std::vector<TokenId> ids;
  ids.reserve(text.size() / 3 + 1);
  Split(text, [&ids](std::string_view piece) { ids.push_back(HashPiece(piece)); });
  return ids;
}

int64_t StandInTokenizer::CountTokens(std::string_view text) const {
  int64_t count = 0;
  Split(text, [&count](std::string_view) { ++count; });
  return count;
}

std::string StandInTokenizer::Decode(std::span<const TokenId> ids) const {
  std::string text;
  for (TokenId id : ids) {
    for (const WordPiece& piece : word_pieces_) {
      if (piece.id == id) text += piece.text;
    }
    for (const auto& [content, chat_id] : kChatTokens) {
      if (chat_id == id) text += content;
    }
  }
  return text;
}

std::optional<TokenId> StandInTokenizer::TokenIdOf(std::string_view content) const {
  for (const auto& [chat_content, id] : kChatTokens) {
    if (chat_content == content) return id;
  }
  const bool role = std::find(kRoles.begin(), kRoles.end(), content) != kRoles.end();
  if (!role && CountTokens(content) != 1) return std::nullopt;
  return HashPiece(content);
}

}  // namespace tessera::tokenizer
