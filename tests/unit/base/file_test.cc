#include "base/file.h"

#include <cstdlib>
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera {
namespace {

using ::testing::HasSubstr;

class FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/tessera-file-test-XXXXXX";
    directory_ = mkdtemp(pattern);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::filesystem::path directory_;
};

TEST_F(FileTest, WriteThenReadRoundTrips) {
  const std::filesystem::path path = directory_ / "state.json";
  ASSERT_TRUE(WriteFileAtomically(path, "first").ok());
  ASSERT_TRUE(WriteFileAtomically(path, std::string("second\0binary", 13)).ok());
  const StatusOr<std::string> contents = ReadFile(path);
  ASSERT_TRUE(contents.ok()) << contents.status();
  EXPECT_EQ(*contents, std::string("second\0binary", 13));
  EXPECT_FALSE(std::filesystem::exists(directory_ / "state.json.tmp"));
}

TEST_F(FileTest, MissingFileIsNotFound) {
  const StatusOr<std::string> contents = ReadFile(directory_ / "absent");
  EXPECT_EQ(contents.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(contents.status().message(), HasSubstr("absent: no such file"));
}

TEST_F(FileTest, DirectoryIsNotAFile) {
  EXPECT_THAT(ReadFile(directory_).status().message(), HasSubstr("is a directory"));
}

TEST_F(FileTest, OversizeFileIsRefused) {
  const std::filesystem::path path = directory_ / "big";
  ASSERT_TRUE(WriteFileAtomically(path, std::string(100, 'x')).ok());
  EXPECT_THAT(ReadFile(path, 10).status().message(), HasSubstr("larger than the limit of 10"));
  EXPECT_TRUE(ReadFile(path, 100).ok());
}

TEST_F(FileTest, WriteIntoMissingDirectoryFails) {
  const Status status = WriteFileAtomically(directory_ / "no" / "such" / "file", "x");
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr("cannot create"));
}

}  // namespace
}  // namespace tessera
