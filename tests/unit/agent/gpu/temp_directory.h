// A fresh directory under /tmp for one test, removed afterwards.

#ifndef TESSERA_TESTS_UNIT_AGENT_GPU_TEMP_DIRECTORY_H_
#define TESSERA_TESTS_UNIT_AGENT_GPU_TEMP_DIRECTORY_H_

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace tessera::agent::testing {

class TempDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = "/tmp/tessera-gpu-test-XXXXXX";
    root_ = mkdtemp(pattern.data());
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::filesystem::path root_;
};

}  // namespace tessera::agent::testing

#endif  // TESSERA_TESTS_UNIT_AGENT_GPU_TEMP_DIRECTORY_H_
