#include "engine/tokenizer/stand_in_tokenizer.h"

#include <gtest/gtest.h>

namespace tessera::tokenizer {
namespace {

TEST(StandInTokenizerTest, SplitsWordsIntoPiecesOfFourCodepoints) {
  EXPECT_EQ(CountTokens("Hello"), 2);        // "Hell", "o"
  EXPECT_EQ(CountTokens("Hello world"), 4);  // "Hell", "o", " worl", "d"
  EXPECT_EQ(CountTokens("the cat"), 2);      // "the", " cat"
  EXPECT_EQ(CountTokens("a\n\nb"), 4);       // "a", "\n", "\n", "b"
  EXPECT_EQ(CountTokens("a  b"), 3);         // "a", " ", " b"
  EXPECT_EQ(CountTokens(""), 0);
  EXPECT_EQ(CountTokens("日本語です"), 2);  // four code points, then one
}

TEST(StandInTokenizerTest, CountMatchesTokenize) {
  const std::string text = "Tessera places workers\non partitions  that fit.";
  EXPECT_EQ(static_cast<int64_t>(Tokenize(text).size()), CountTokens(text));
}

TEST(StandInTokenizerTest, EqualTextGivesEqualIds) {
  EXPECT_EQ(Tokenize("the cat sat"), Tokenize("the cat sat"));
  EXPECT_NE(Tokenize("the cat"), Tokenize("the dog"));
  EXPECT_EQ(Tokenize("the cat sat")[1], Tokenize("a cat")[1]);  // " cat"
}

TEST(TextGeneratorTest, WordsHaveExactlyTheRequestedTokenCount) {
  TextGenerator generator(7);
  for (int64_t count : {1, 2, 16, 216, 4096}) {
    EXPECT_EQ(CountTokens(generator.Words(count)), count) << count;
  }
  EXPECT_EQ(generator.Words(0), "");
}

TEST(TextGeneratorTest, OutputTokensAreOneTokenEachAndSeeded) {
  TextGenerator first(42);
  TextGenerator second(42);
  std::string text;
  for (int i = 0; i < 100; ++i) {
    const std::string token = first.NextOutputToken();
    EXPECT_EQ(token, second.NextOutputToken());
    EXPECT_EQ(CountTokens(token), 1) << token;
    text += token;
  }
  EXPECT_EQ(CountTokens(text), 100);
}

TEST(ChatTemplateTest, OverheadGrowsPerMessage) {
  EXPECT_EQ(ChatTemplateOverheadTokens(1), 10);
  EXPECT_EQ(ChatTemplateOverheadTokens(3), 20);
}

}  // namespace
}  // namespace tessera::tokenizer
