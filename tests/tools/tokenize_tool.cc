// Test-only: loads a Hugging Face tokenizer the way Tessera does and answers
// one JSON line per input line, for tests/e2e/test_tokenizer_parity.py to
// compare with transformers.
//
//   tessera-tokenize-tool TOKENIZER_JSON [TOKENIZER_CONFIG_JSON]
//
// The first output line is {"prefix": [...], "word_pieces": N}. Then each
// input line {"text": "..."} gives {"ids": [...], "decoded": "..."}, and
// {"ids": [...]} gives {"decoded": "..."}, and {"word_pieces": true} gives
// {"word_pieces": [[id, text], ...]}. An error is {"error": "..."}.

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/tokenizer/hugging_face_tokenizer.h"

namespace {

using tessera::tokenizer::HuggingFaceTokenizer;
using tessera::tokenizer::TokenId;

nlohmann::json Answer(const HuggingFaceTokenizer& tokenizer, const std::string& line) {
  const nlohmann::json request = nlohmann::json::parse(line, nullptr, false);
  if (request.is_discarded() || !request.is_object()) return {{"error", "not a JSON object"}};
  if (request.contains("text") && request["text"].is_string()) {
    const std::vector<TokenId> ids = tokenizer.Encode(request["text"].get<std::string>());
    return {{"ids", ids},
            {"count", tokenizer.CountTokens(request["text"].get<std::string>())},
            {"decoded", tokenizer.Decode(ids)}};
  }
  if (request.contains("ids") && request["ids"].is_array()) {
    std::vector<TokenId> ids;
    for (const auto& id : request["ids"]) {
      if (!id.is_number_unsigned()) return {{"error", "ids must be unsigned integers"}};
      ids.push_back(id.get<TokenId>());
    }
    return {{"decoded", tokenizer.Decode(ids)}};
  }
  if (request.contains("word_pieces")) {
    nlohmann::json pieces = nlohmann::json::array();
    for (const auto& piece : tokenizer.WordPieces()) pieces.push_back({piece.id, piece.text});
    return {{"word_pieces", pieces}};
  }
  return {{"error", R"(expected "text", "ids" or "word_pieces")"}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: tessera-tokenize-tool TOKENIZER_JSON [TOKENIZER_CONFIG_JSON]\n";
    return 2;
  }
  std::optional<std::filesystem::path> config;
  if (argc == 3) config = argv[2];
  auto tokenizer = HuggingFaceTokenizer::Load(argv[1], config);
  if (!tokenizer.ok()) {
    std::cout << nlohmann::json{{"error", tokenizer.status().ToString()}}.dump() << '\n';
    return 1;
  }
  const auto prefix = (*tokenizer)->SequencePrefix();
  std::cout << nlohmann::json{{"prefix", std::vector<TokenId>(prefix.begin(), prefix.end())},
                              {"word_pieces", (*tokenizer)->WordPieces().size()}}
                   .dump()
            << '\n'
            << std::flush;
  std::string line;
  while (std::getline(std::cin, line)) {
    // Invalid UTF-8 in a decoded text is written as U+FFFD already; replace
    // keeps dump() from throwing on anything else.
    std::cout
        << Answer(**tokenizer, line).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
        << '\n'
        << std::flush;
  }
  return 0;
}
