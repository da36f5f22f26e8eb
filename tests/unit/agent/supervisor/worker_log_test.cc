#include "agent/supervisor/worker_log.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "wire/worker_status.h"

namespace tessera::agent {
namespace {

class WorkerLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("worker_log_test_" + std::to_string(::getpid()) + "_" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(directory_);
    path_ = (directory_ / "w.log").string();
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  void Append(const std::string& text) {
    std::ofstream file(path_, std::ios::app);
    file << text;
  }

  std::filesystem::path directory_;
  std::string path_;
};

TEST_F(WorkerLogTest, RotatesByCopyTruncateKeepingMaxFiles) {
  Append(std::string(100, 'a') + "\n");
  EXPECT_FALSE(*RotateLogIfLarger(path_, 1000, 2));
  EXPECT_TRUE(*RotateLogIfLarger(path_, 50, 2));
  EXPECT_EQ(std::filesystem::file_size(path_), 0U);
  EXPECT_EQ(std::filesystem::file_size(path_ + ".1"), 101U);
  Append(std::string(60, 'b') + "\n");
  EXPECT_TRUE(*RotateLogIfLarger(path_, 50, 2));
  EXPECT_EQ(std::filesystem::file_size(path_ + ".1"), 61U);
  EXPECT_EQ(std::filesystem::file_size(path_ + ".2"), 101U);
  Append(std::string(70, 'c') + "\n");
  EXPECT_TRUE(*RotateLogIfLarger(path_, 50, 2));
  EXPECT_EQ(std::filesystem::file_size(path_ + ".2"), 61U) << "the oldest was dropped";
  EXPECT_FALSE(std::filesystem::exists(path_ + ".3"));
}

TEST_F(WorkerLogTest, TailReadsLastLinesAcrossRotation) {
  Append("one\ntwo\nthree\n");
  ASSERT_TRUE(*RotateLogIfLarger(path_, 1, 1));
  Append("four\nfive");
  EXPECT_EQ(*TailLog(path_, 2, 1 << 20), "four\nfive");
  EXPECT_EQ(*TailLog(path_, 3, 1 << 20), "three\nfour\nfive");
  EXPECT_EQ(*TailLog(path_, 100, 1 << 20), "one\ntwo\nthree\nfour\nfive");
  EXPECT_EQ(TailLog((directory_ / "missing.log").string(), 1, 100).status().code(),
            StatusCode::kNotFound);
}

TEST_F(WorkerLogTest, LastOutputIsTheLastFewNonEmptyLinesWithinABound) {
  EXPECT_TRUE(LastOutput(path_).empty()) << "no log yet";
  Append(
      "loading weights\n\nstep 1\r\nstep 2\nstep 3\nstep 4\n"
      "RuntimeError: HIP out of memory\n\n");
  EXPECT_EQ(LastOutput(path_), (std::vector<std::string>{"step 2", "step 3", "step 4",
                                                         "RuntimeError: HIP out of memory"}));
  Append(std::string(5000, 'x') + "\nlast words\n");
  const std::vector<std::string> bounded = LastOutput(path_);
  size_t bytes = 0;
  for (const std::string& line : bounded) bytes += line.size();
  EXPECT_LE(bytes, wire::kMaxLastOutputBytes);
  ASSERT_FALSE(bounded.empty());
  EXPECT_EQ(bounded.back(), "last words");
}

}  // namespace
}  // namespace tessera::agent
