#include "engine/tokenizer/stand_in_tokenizer.h"

#include <gtest/gtest.h>

#include "engine/tokenizer/text_generator.h"

namespace tessera::tokenizer {
namespace {

const Tokenizer& StandIn() { return *StandInTokenizer::Shared(); }

TEST(StandInTokenizerTest, SplitsWordsIntoPiecesOfFourCodepoints) {
  EXPECT_EQ(StandIn().CountTokens("Hello"), 2);        // "Hell", "o"
  EXPECT_EQ(StandIn().CountTokens("Hello world"), 4);  // "Hell", "o", " worl", "d"
  EXPECT_EQ(StandIn().CountTokens("the cat"), 2);      // "the", " cat"
  EXPECT_EQ(StandIn().CountTokens("a\n\nb"), 4);       // "a", "\n", "\n", "b"
  EXPECT_EQ(StandIn().CountTokens("a  b"), 3);         // "a", " ", " b"
  EXPECT_EQ(StandIn().CountTokens(""), 0);
  EXPECT_EQ(StandIn().CountTokens("日本語です"), 2);  // four code points, then one
}

TEST(StandInTokenizerTest, CountMatchesEncode) {
  const std::string text = "Tessera places workers\non partitions  that fit.";
  EXPECT_EQ(static_cast<int64_t>(StandIn().Encode(text).size()), StandIn().CountTokens(text));
}

TEST(StandInTokenizerTest, EqualTextGivesEqualIds) {
  EXPECT_EQ(StandIn().Encode("the cat sat"), StandIn().Encode("the cat sat"));
  EXPECT_NE(StandIn().Encode("the cat"), StandIn().Encode("the dog"));
  EXPECT_EQ(StandIn().Encode("the cat sat")[1], StandIn().Encode("a cat")[1]);  // " cat"
}

TEST(StandInTokenizerTest, AddsNothingBeforeASequence) {
  EXPECT_TRUE(StandIn().SequencePrefix().empty());
  EXPECT_EQ(CountPromptTokens(StandIn(), "the cat"), 2);
}

TEST(StandInTokenizerTest, KnowsLlama3ChatTokensAndRoles) {
  EXPECT_EQ(StandIn().TokenIdOf("<|begin_of_text|>"), 128000u);
  EXPECT_EQ(StandIn().TokenIdOf("<|eot_id|>"), 128009u);
  EXPECT_EQ(StandIn().TokenIdOf("\n\n"), 271u);
  EXPECT_TRUE(StandIn().TokenIdOf("assistant").has_value());
  EXPECT_EQ(StandIn().TokenIdOf(" cat"), StandIn().Encode(" cat").front());
  EXPECT_FALSE(StandIn().TokenIdOf("<|im_start|>").has_value());
  EXPECT_FALSE(StandIn().TokenIdOf("Hello").has_value());  // two tokens
}

TEST(StandInTokenizerTest, DecodesItsWordPieces) {
  const std::span<const WordPiece> pieces = StandIn().WordPieces();
  ASSERT_GE(pieces.size(), 2u);
  const std::vector<TokenId> ids = {pieces[0].id, pieces[1].id};
  EXPECT_EQ(StandIn().Decode(ids), pieces[0].text + pieces[1].text);
}

TEST(TextGeneratorTest, WordsHaveExactlyTheRequestedTokenCount) {
  TextGenerator generator(StandInTokenizer::Shared(), 7);
  for (int64_t count : {1, 2, 16, 216, 4096}) {
    EXPECT_EQ(StandIn().CountTokens(generator.Words(count)), count) << count;
  }
  EXPECT_EQ(generator.Words(0), "");
}

TEST(TextGeneratorTest, OutputTokensAreOneTokenEachAndSeeded) {
  TextGenerator first(StandInTokenizer::Shared(), 42);
  TextGenerator second(StandInTokenizer::Shared(), 42);
  std::string text;
  for (int i = 0; i < 100; ++i) {
    const WordPiece& token = first.NextOutputToken();
    EXPECT_EQ(token.text, second.NextOutputToken().text);
    EXPECT_EQ(StandIn().Encode(token.text), std::vector<TokenId>{token.id}) << token.text;
    text += token.text;
  }
  EXPECT_EQ(StandIn().CountTokens(text), 100);
}

}  // namespace
}  // namespace tessera::tokenizer
