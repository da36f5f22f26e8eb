#include "base/bearer_token.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace tessera {
namespace {

class TokenFileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& text) {
    const std::filesystem::path path =
        std::filesystem::temp_directory_path() /
        ("bearer_token_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::ofstream(path) << text;
    paths_.push_back(path);
    return path.string();
  }
  void TearDown() override {
    for (const auto& path : paths_) std::filesystem::remove(path);
  }
  std::vector<std::filesystem::path> paths_;
};

TEST_F(TokenFileTest, ReadsOneTokenPerLine) {
  StatusOr<std::vector<std::string>> tokens =
      ReadTokenFile(Write("  0123456789abcdef \r\n\n fedcba9876543210\n"));
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  EXPECT_EQ(*tokens, (std::vector<std::string>{"0123456789abcdef", "fedcba9876543210"}));
}

TEST_F(TokenFileTest, RejectsShortTokensAndEmptyFiles) {
  const std::string short_file = Write("0123456789abcdef\nshort\n");
  EXPECT_EQ(ReadTokenFile(short_file).status().message(),
            short_file + ":2: a token must be at least 16 characters");
  const std::string empty_file = Write("\n \n");
  EXPECT_EQ(ReadTokenFile(empty_file).status().message(), empty_file + ": holds no token");
  EXPECT_FALSE(ReadTokenFile("/nonexistent/token").ok());
}

TEST_F(TokenFileTest, MatchesTheBearerSchemeInAnyCase) {
  const std::vector<std::string> tokens{"0123456789abcdef", "fedcba9876543210"};
  EXPECT_TRUE(BearerTokenMatches("Bearer 0123456789abcdef", tokens));
  EXPECT_TRUE(BearerTokenMatches("bearer fedcba9876543210", tokens));
  EXPECT_FALSE(BearerTokenMatches("Bearer 0123456789abcde", tokens));
  EXPECT_FALSE(BearerTokenMatches("Basic 0123456789abcdef", tokens));
  EXPECT_FALSE(BearerTokenMatches("", tokens));
  EXPECT_TRUE(ConstantTimeEquals("same", "same"));
  EXPECT_FALSE(ConstantTimeEquals("same", "sam"));
}

TEST_F(TokenFileTest, FollowsARotationAtMostOnceASecond) {
  const std::string path = Write("old-token-0123456789\n");
  FakeClock clock;
  StatusOr<TokenFile> file = TokenFile::Open(path, clock);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE(file->Accepts("Bearer old-token-0123456789"));
  std::ofstream(path) << "new-token-0123456789\n";
  // Refused within the second after the last read, accepted after it.
  EXPECT_FALSE(file->Accepts("Bearer new-token-0123456789"));
  clock.Advance(std::chrono::seconds(1));
  EXPECT_TRUE(file->Accepts("Bearer new-token-0123456789"));
  EXPECT_FALSE(file->Accepts("Bearer old-token-0123456789"));
}

TEST_F(TokenFileTest, AFailedReadKeepsTheTokensItHad) {
  const std::string path = Write("kept-token-0123456789\n");
  FakeClock clock;
  StatusOr<TokenFile> file = TokenFile::Open(path, clock);
  ASSERT_TRUE(file.ok()) << file.status();
  std::ofstream(path) << "short\n";
  clock.Advance(std::chrono::seconds(2));
  EXPECT_FALSE(file->Accepts("Bearer short"));
  EXPECT_TRUE(file->Accepts("Bearer kept-token-0123456789"));
  EXPECT_FALSE(TokenFile::Open("/nonexistent/token", clock).ok());
}

}  // namespace
}  // namespace tessera
