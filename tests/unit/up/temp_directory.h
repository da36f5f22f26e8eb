// A fresh directory for one test, under GoogleTest's temporary directory,
// removed afterwards.

#ifndef TESSERA_TESTS_UNIT_UP_TEMP_DIRECTORY_H_
#define TESSERA_TESTS_UNIT_UP_TEMP_DIRECTORY_H_

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace tessera::cli::testing {

class TempDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::path(::testing::TempDir()) / "tessera-up-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }

  std::filesystem::path root_;
};

}  // namespace tessera::cli::testing

#endif  // TESSERA_TESTS_UNIT_UP_TEMP_DIRECTORY_H_
