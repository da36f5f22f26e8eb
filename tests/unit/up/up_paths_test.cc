#include "cli/up/up_paths.h"

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "base/file.h"
#include "tests/unit/up/temp_directory.h"

namespace tessera::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

EnvironmentLookup Environment(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const char* name) -> std::optional<std::string> {
    const auto found = variables.find(name);
    if (found == variables.end()) return std::nullopt;
    return found->second;
  };
}

std::map<std::string, std::string> EverySource() {
  return {
      {"TESSERA_HOME", "/srv/tessera"}, {"XDG_STATE_HOME", "/var/state"}, {"HOME", "/home/ada"}};
}

fs::path RootOf(const std::string& flag, const std::map<std::string, std::string>& variables) {
  StatusOr<UpPaths> paths = ResolveUpPaths(flag, Environment(variables));
  EXPECT_TRUE(paths.ok()) << paths.status();
  return paths.ok() ? paths->root : fs::path();
}

TEST(ResolveUpPathsTest, FlagComesFirst) {
  EXPECT_EQ(RootOf("/opt/state", EverySource()), "/opt/state");
}

TEST(ResolveUpPathsTest, ThenTesseraHome) { EXPECT_EQ(RootOf("", EverySource()), "/srv/tessera"); }

TEST(ResolveUpPathsTest, ThenXdgStateHome) {
  EXPECT_EQ(RootOf("", {{"XDG_STATE_HOME", "/var/state"}, {"HOME", "/home/ada"}}),
            "/var/state/tessera");
}

TEST(ResolveUpPathsTest, ThenHomesLocalState) {
  EXPECT_EQ(RootOf("", {{"HOME", "/home/ada"}}), "/home/ada/.local/state/tessera");
}

TEST(ResolveUpPathsTest, EmptyValuesAreIgnored) {
  EXPECT_EQ(RootOf("", {{"TESSERA_HOME", ""}, {"XDG_STATE_HOME", ""}, {"HOME", "/home/ada"}}),
            "/home/ada/.local/state/tessera");
}

TEST(ResolveUpPathsTest, NoSourceIsInvalidArgumentNamingTheFlagAndVariables) {
  const Status status = ResolveUpPaths("", Environment({{"HOME", ""}})).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("--state-dir"));
  EXPECT_THAT(status.message(), HasSubstr("TESSERA_HOME, XDG_STATE_HOME or HOME"));
}

TEST(ResolveUpPathsTest, RelativeFlagIsMadeAbsolute) {
  const fs::path root = RootOf("state/../tessera-state", EverySource());
  EXPECT_TRUE(root.is_absolute()) << root;
  EXPECT_EQ(root, fs::current_path() / "tessera-state");
}

TEST(UpPathsTest, LaysOutTheStateDirectory) {
  const UpPaths paths{.root = "/state"};
  EXPECT_EQ(paths.manifests(), "/state/manifests");
  EXPECT_EQ(paths.agent_state(), "/state/agent");
  EXPECT_EQ(paths.worker_logs(), "/state/agent/logs");
  EXPECT_EQ(paths.logs(), "/state/logs");
  EXPECT_EQ(paths.token(), "/state/token");
  EXPECT_EQ(paths.instance(), "/state/up.json");
}

class PrepareUpPathsTest : public testing::TempDirectoryTest {};

TEST_F(PrepareUpPathsTest, CreatesTheLayoutAndAnOwnerOnlyToken) {
  const UpPaths paths{.root = root_ / "state"};
  ASSERT_TRUE(PrepareUpPaths(paths).ok());
  EXPECT_TRUE(fs::is_directory(paths.manifests()));
  EXPECT_TRUE(fs::is_directory(paths.worker_logs()));
  EXPECT_TRUE(fs::is_directory(paths.logs()));
  struct stat token {};
  ASSERT_EQ(::stat(paths.token().c_str(), &token), 0);
  EXPECT_EQ(token.st_mode & 0777, 0600u);
  StatusOr<std::string> text = ReadFile(paths.token());
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(text->size(), 44u);  // 43 base64url characters and a newline
  EXPECT_EQ(text->back(), '\n');
}

TEST_F(PrepareUpPathsTest, SecondCallKeepsTheToken) {
  const UpPaths paths{.root = root_};
  ASSERT_TRUE(PrepareUpPaths(paths).ok());
  StatusOr<std::string> first = ReadFile(paths.token());
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(PrepareUpPaths(paths).ok());
  StatusOr<std::string> second = ReadFile(paths.token());
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*second, *first);
}

TEST_F(PrepareUpPathsTest, UnwritableRootIsUnavailableNamingTheDirectory) {
  ASSERT_TRUE(WriteFileAtomically(root_ / "file", "not a directory").ok());
  const UpPaths paths{.root = root_ / "file"};
  const Status status = PrepareUpPaths(paths);
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr(paths.manifests().string()));
}

}  // namespace
}  // namespace tessera::cli
