#include "engine/tokenizer/tokenizer_loader.h"

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/file.h"

namespace tessera::tokenizer {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class TokenizerLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "tessera-tokenizer-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
  }
  void TearDown() override { fs::remove_all(root_); }

  void Write(const fs::path& path, std::string_view text = "{}") {
    fs::create_directories(path.parent_path());
    ASSERT_TRUE(WriteFileAtomically(path, text).ok());
  }

  EnvironmentLookup Environment() const {
    return [variables = environment_](const char* name) -> std::optional<std::string> {
      const auto found = variables.find(name);
      if (found == variables.end()) return std::nullopt;
      return found->second;
    };
  }

  fs::path root_;
  std::map<std::string, std::string> environment_;
};

TEST_F(TokenizerLoaderTest, TakesATokenizerJsonAndTheConfigBesideIt) {
  Write(root_ / "model" / "tokenizer.json");
  StatusOr<TokenizerFiles> files =
      FindTokenizerFiles((root_ / "model" / "tokenizer.json").string(), Environment());
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ(files->tokenizer_json, root_ / "model" / "tokenizer.json");
  EXPECT_FALSE(files->tokenizer_config_json.has_value());

  Write(root_ / "model" / "tokenizer_config.json");
  files = FindTokenizerFiles((root_ / "model").string(), Environment());
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ(files->tokenizer_json, root_ / "model" / "tokenizer.json");
  EXPECT_EQ(files->tokenizer_config_json, root_ / "model" / "tokenizer_config.json");
}

TEST_F(TokenizerLoaderTest, ADirectoryWithoutTokenizerJsonSaysSo) {
  fs::create_directories(root_ / "empty");
  const Status status = FindTokenizerFiles((root_ / "empty").string(), Environment()).status();
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr("--tokenizer"));
  EXPECT_THAT(status.message(), HasSubstr("without tokenizer.json"));
}

TEST_F(TokenizerLoaderTest, ModelIdsResolveThroughTheHubCachesRefsMain) {
  environment_["HF_HOME"] = (root_ / "hf").string();
  const fs::path model = root_ / "hf" / "hub" / "models--meta-llama--Llama-3.1-8B";
  Write(model / "refs" / "main", "abc123\n");
  Write(model / "snapshots" / "abc123" / "tokenizer.json");
  Write(model / "snapshots" / "abc123" / "tokenizer_config.json");
  Write(model / "snapshots" / "old" / "tokenizer.json");
  StatusOr<TokenizerFiles> files = FindTokenizerFiles("meta-llama/Llama-3.1-8B", Environment());
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ(files->tokenizer_json, model / "snapshots" / "abc123" / "tokenizer.json");
  EXPECT_EQ(files->tokenizer_config_json, model / "snapshots" / "abc123" / "tokenizer_config.json");
}

TEST_F(TokenizerLoaderTest, HubCacheVariablesTakePrecedenceInHuggingFacesOrder) {
  environment_["HOME"] = (root_ / "home").string();
  const fs::path in_home =
      root_ / "home" / ".cache" / "huggingface" / "hub" / "models--Qwen--Qwen2.5-7B";
  // No refs/main: the snapshot that has the file.
  Write(in_home / "snapshots" / "s1" / "tokenizer.json");
  StatusOr<TokenizerFiles> files = FindTokenizerFiles("Qwen/Qwen2.5-7B", Environment());
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ(files->tokenizer_json, in_home / "snapshots" / "s1" / "tokenizer.json");

  environment_["HF_HUB_CACHE"] = (root_ / "elsewhere").string();
  const Status missing = FindTokenizerFiles("Qwen/Qwen2.5-7B", Environment()).status();
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.message(), HasSubstr((root_ / "elsewhere").string()));
  EXPECT_THAT(missing.message(), HasSubstr("huggingface-cli download Qwen/Qwen2.5-7B"));
  EXPECT_THAT(missing.message(), HasSubstr("never downloads"));
}

TEST_F(TokenizerLoaderTest, NamesThatAreNeitherPathsNorModelIdsAreNotFound) {
  for (const char* name : {"llama", "a/b/c", "../x", "/nonexistent/tokenizer.json"}) {
    const Status status = FindTokenizerFiles(name, Environment()).status();
    EXPECT_EQ(status.code(), StatusCode::kNotFound) << name;
    EXPECT_THAT(status.message(), HasSubstr("--tokenizer")) << name;
  }
  EXPECT_EQ(FindTokenizerFiles("", Environment()).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tessera::tokenizer
