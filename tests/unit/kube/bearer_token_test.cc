#include "kube/bearer_token.h"

#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "base/clock.h"
#include "base/file.h"

namespace tessera::kube {
namespace {

using std::chrono::seconds;

class BearerTokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/tessera-token-test-XXXXXX";
    directory_ = mkdtemp(pattern);
    token_file_ = directory_ / "token";
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  void WriteToken(std::string_view token) {
    ASSERT_TRUE(WriteFileAtomically(token_file_, token).ok());
  }

  FakeClock clock_;
  std::filesystem::path directory_;
  std::filesystem::path token_file_;
};

TEST_F(BearerTokenTest, StaticTokenNeverChanges) {
  BearerTokenSource source("static", "", clock_);
  EXPECT_EQ(source.Token(), "static");
  clock_.Advance(seconds(3600));
  EXPECT_EQ(source.Token(), "static");
  EXPECT_EQ(source.Refresh(), "static");
  EXPECT_FALSE(source.rotates());
}

TEST_F(BearerTokenTest, FileIsReReadAtMostOnceAMinute) {
  WriteToken("first\n");
  BearerTokenSource source("", token_file_.string(), clock_);
  EXPECT_EQ(source.Token(), "first");

  WriteToken("second");
  clock_.Advance(seconds(59));
  EXPECT_EQ(source.Token(), "first") << "re-read before the minute was up";
  clock_.Advance(seconds(1));
  EXPECT_EQ(source.Token(), "second");

  WriteToken("third");
  clock_.Advance(seconds(30));
  EXPECT_EQ(source.Token(), "second");
  clock_.Advance(seconds(30));
  EXPECT_EQ(source.Token(), "third");
}

TEST_F(BearerTokenTest, RefreshReadsAtOnceAndRestartsThePeriod) {
  WriteToken("old");
  BearerTokenSource source("", token_file_.string(), clock_);
  EXPECT_EQ(source.Token(), "old");
  clock_.Advance(seconds(10));
  WriteToken("rotated");
  EXPECT_EQ(source.Token(), "old");
  EXPECT_EQ(source.Refresh(), "rotated");  // after a 401
  EXPECT_EQ(source.Token(), "rotated");
  WriteToken("later");
  clock_.Advance(seconds(59));
  EXPECT_EQ(source.Token(), "rotated");
  clock_.Advance(seconds(1));
  EXPECT_EQ(source.Token(), "later");
}

TEST_F(BearerTokenTest, AFailedReadKeepsThePreviousToken) {
  WriteToken("good");
  BearerTokenSource source("initial", token_file_.string(), clock_);
  EXPECT_EQ(source.Token(), "good");
  std::filesystem::remove(token_file_);
  clock_.Advance(seconds(60));
  EXPECT_EQ(source.Token(), "good");
  EXPECT_EQ(source.last_error().code(), StatusCode::kNotFound);
  WriteToken("   \n");
  clock_.Advance(seconds(60));
  EXPECT_EQ(source.Token(), "good");
  EXPECT_EQ(source.last_error().code(), StatusCode::kInvalidArgument);
  WriteToken("back");
  clock_.Advance(seconds(60));
  EXPECT_EQ(source.Token(), "back");
  EXPECT_TRUE(source.last_error().ok());
}

TEST_F(BearerTokenTest, StaticTokenUntilTheFileCanBeRead) {
  BearerTokenSource source("from-kubeconfig", token_file_.string(), clock_);
  EXPECT_EQ(source.Token(), "from-kubeconfig");
  WriteToken("from-file");
  EXPECT_EQ(source.Token(), "from-kubeconfig");  // the failed read still counts
  clock_.Advance(seconds(60));
  EXPECT_EQ(source.Token(), "from-file");
}

}  // namespace
}  // namespace tessera::kube
