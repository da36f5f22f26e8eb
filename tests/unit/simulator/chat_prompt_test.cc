#include "engine/simulator/chat_prompt.h"

#include <map>
#include <string>
#include <variant>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/tokenizer/stand_in_tokenizer.h"
#include "tests/unit/tokenizer/family_tokenizer.h"

namespace tessera::simulator {
namespace {

using ::testing::ElementsAre;
using tokenizer::FamilyTokenizer;
using tokenizer::TokenId;

openai::CompletionRequest Chat(std::vector<openai::ChatMessage> messages) {
  openai::CompletionRequest request;
  request.endpoint = openai::Endpoint::kChatCompletions;
  request.messages = std::move(messages);
  return request;
}

TokenId Id(const tokenizer::Tokenizer& tokenizer, std::string_view text) {
  const std::vector<TokenId> ids = tokenizer.Encode(text);
  EXPECT_EQ(ids.size(), 1u) << text;
  return ids.front();
}

TEST(ChatPromptTest, CompletionPromptsGetTheTokenizersSequencePrefix) {
  const FamilyTokenizer tokenizer({}, {7});
  openai::CompletionRequest request;
  request.prompt = "the cat";
  EXPECT_THAT(PromptTokens(request, tokenizer),
              ElementsAre(7, Id(tokenizer, "the"), Id(tokenizer, " cat")));
}

TEST(ChatPromptTest, TokenIdsAreTakenAsSent) {
  const FamilyTokenizer tokenizer({}, {7});
  openai::CompletionRequest request;
  request.prompt_token_ids = std::vector<int64_t>{1, 2, 3};
  EXPECT_THAT(PromptTokens(request, tokenizer), ElementsAre(1, 2, 3));
}

TEST(ChatPromptTest, StandInChatsAreShapedLikeLlama3) {
  const tokenizer::Tokenizer& stand_in = *tokenizer::StandInTokenizer::Shared();
  const TokenId user = *stand_in.TokenIdOf("user");
  const TokenId assistant = *stand_in.TokenIdOf("assistant");
  EXPECT_THAT(PromptTokens(Chat({{"user", "the cat"}}), stand_in),
              ElementsAre(128000, 128006, user, 128007, 271, Id(stand_in, "the"),
                          Id(stand_in, " cat"), 128009, 128006, assistant, 128007, 271));
}

TEST(ChatPromptTest, ChatMlFamilyWrapsEachMessage) {
  const FamilyTokenizer tokenizer({{"<|im_start|>", 1}, {"<|im_end|>", 2}}, {});
  std::vector<TokenId> expected = {1};
  for (std::string_view text : {"user\nthe cat"}) {
    const std::vector<TokenId> ids = tokenizer.Encode(text);
    expected.insert(expected.end(), ids.begin(), ids.end());
  }
  expected.push_back(2);
  for (std::string_view text : {"\n"}) {
    const std::vector<TokenId> ids = tokenizer.Encode(text);
    expected.insert(expected.end(), ids.begin(), ids.end());
  }
  expected.push_back(1);
  const std::vector<TokenId> assistant = tokenizer.Encode("assistant\n");
  expected.insert(expected.end(), assistant.begin(), assistant.end());
  EXPECT_EQ(PromptTokens(Chat({{"user", "the cat"}}), tokenizer), expected);
}

// The tokens of `turns`, each a special token id or a text to encode.
std::vector<TokenId> Tokens(const tokenizer::Tokenizer& tokenizer,
                            const std::vector<std::variant<TokenId, std::string>>& turns) {
  std::vector<TokenId> tokens;
  for (const auto& turn : turns) {
    if (const TokenId* id = std::get_if<TokenId>(&turn)) {
      tokens.push_back(*id);
      continue;
    }
    const std::vector<TokenId> ids = tokenizer.Encode(std::get<std::string>(turn));
    tokens.insert(tokens.end(), ids.begin(), ids.end());
  }
  return tokens;
}

TEST(ChatPromptTest, ChatMlFamilyOpensWithTheDefaultSystemTurnUnlessOneIsGiven) {
  constexpr TokenId kStart = 1;
  constexpr TokenId kEnd = 2;
  const FamilyTokenizer tokenizer({{"<|im_start|>", kStart}, {"<|im_end|>", kEnd}}, {}, "be kind");
  EXPECT_EQ(PromptTokens(Chat({{"user", "the cat"}}), tokenizer),
            Tokens(tokenizer, {kStart, "system\nbe kind", kEnd, "\n", kStart, "user\nthe cat", kEnd,
                               "\n", kStart, "assistant\n"}));
  EXPECT_EQ(PromptTokens(Chat({{"system", "be brief"}, {"user", "the cat"}}), tokenizer),
            Tokens(tokenizer, {kStart, "system\nbe brief", kEnd, "\n", kStart, "user\nthe cat",
                               kEnd, "\n", kStart, "assistant\n"}));
}

TEST(ChatPromptTest, Llama3FamilyTrimsEachContent) {
  const tokenizer::Tokenizer& stand_in = *tokenizer::StandInTokenizer::Shared();
  EXPECT_EQ(PromptTokens(Chat({{"user", "  the cat\n\n"}}), stand_in),
            PromptTokens(Chat({{"user", "the cat"}}), stand_in));
}

TEST(ChatPromptTest, DeepSeekFamilyJoinsSystemMessagesWithABlankLine) {
  constexpr TokenId kBegin = 10;
  constexpr TokenId kUser = 11;
  constexpr TokenId kAssistant = 12;
  const FamilyTokenizer tokenizer({{"<｜User｜>", kUser}, {"<｜Assistant｜>", kAssistant}},
                                  {kBegin});
  EXPECT_EQ(PromptTokens(Chat({{"system", "the"}, {"user", "cat"}, {"system", "dog"}}), tokenizer),
            Tokens(tokenizer, {kBegin, "the\n\ndog", kUser, "cat", kAssistant}));
}

TEST(ChatPromptTest, DeepSeekFamilyPutsSystemFirstAndClosesAssistantTurns) {
  const FamilyTokenizer tokenizer(
      {{"<｜User｜>", 11}, {"<｜Assistant｜>", 12}, {"<｜end▁of▁sentence｜>", 13}}, {10});
  const TokenId the = Id(tokenizer, "the");
  const TokenId cat = Id(tokenizer, "cat");
  const TokenId dog = Id(tokenizer, "dog");
  EXPECT_THAT(
      PromptTokens(Chat({{"user", "cat"}, {"assistant", "dog"}, {"system", "the"}}), tokenizer),
      ElementsAre(10, the, 11, cat, 12, dog, 13, 12));
}

TEST(ChatPromptTest, UnknownFamiliesGetTheContentsAfterTheSequencePrefix) {
  const FamilyTokenizer tokenizer({}, {10});
  EXPECT_THAT(PromptTokens(Chat({{"system", "the"}, {"user", "cat"}}), tokenizer),
              ElementsAre(10, Id(tokenizer, "the"), Id(tokenizer, "cat")));
}

}  // namespace
}  // namespace tessera::simulator
