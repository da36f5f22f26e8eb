#include "engine/simulator/chat_prompt.h"

namespace tessera::simulator {
namespace {

// Token ids the chat template adds; fixed so that equal conversations share
// cache blocks.
constexpr tokenizer::TokenId kBeginOfText = 128000;
constexpr tokenizer::TokenId kStartHeader = 128006;
constexpr tokenizer::TokenId kEndHeader = 128007;
constexpr tokenizer::TokenId kEndOfTurn = 128009;
constexpr tokenizer::TokenId kBlankLine = 271;

}  // namespace

std::vector<tokenizer::TokenId> PromptTokens(const openai::CompletionRequest& request) {
  if (request.prompt_token_ids) {
    std::vector<tokenizer::TokenId> tokens;
    tokens.reserve(request.prompt_token_ids->size());
    for (int64_t id : *request.prompt_token_ids) {
      tokens.push_back(static_cast<tokenizer::TokenId>(id));
    }
    return tokens;
  }
  if (request.endpoint == openai::Endpoint::kCompletions)
    return tokenizer::Tokenize(request.prompt);
  std::vector<tokenizer::TokenId> tokens = {kBeginOfText};
  for (const openai::ChatMessage& message : request.messages) {
    tokens.push_back(kStartHeader);
    tokens.push_back(tokenizer::Tokenize(message.role).front());
    tokens.push_back(kEndHeader);
    tokens.push_back(kBlankLine);
    const std::vector<tokenizer::TokenId> content = tokenizer::Tokenize(message.content);
    tokens.insert(tokens.end(), content.begin(), content.end());
    tokens.push_back(kEndOfTurn);
  }
  tokens.insert(tokens.end(),
                {kStartHeader, tokenizer::Tokenize("assistant").front(), kEndHeader, kBlankLine});
  return tokens;
}

}  // namespace tessera::simulator
