#include "cli/up/up_instance.h"

#include <filesystem>
#include <optional>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/file.h"
#include "base/process.h"
#include "tests/unit/up/temp_directory.h"

namespace tessera::cli {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// This test process, which is alive while the test runs.
ProcessIdentity ThisProcess() {
  StatusOr<std::optional<uint64_t>> ticks = ReadProcessStartTicks(::getpid());
  EXPECT_TRUE(ticks.ok() && ticks->has_value());
  return {.pid = ::getpid(), .start_ticks = ticks.ok() && ticks->has_value() ? **ticks : 0};
}

UpInstance Instance(ProcessIdentity up) {
  return {.up = up,
          .agent = {.pid = 4242, .start_ticks = 17},
          .controller = {.pid = 4343, .start_ticks = 18},
          .api_url = "http://127.0.0.1:8480",
          .agent_url = "http://127.0.0.1:8481",
          .gpu_backend = "sim",
          .started_at = "2026-12-05T06:02:00Z"};
}

bool SameInstance(const UpInstance& left, const UpInstance& right) {
  return left.up == right.up && left.agent == right.agent && left.controller == right.controller &&
         left.api_url == right.api_url && left.agent_url == right.agent_url &&
         left.gpu_backend == right.gpu_backend && left.started_at == right.started_at;
}

TEST(UpInstanceJsonTest, RoundTrips) {
  const UpInstance instance = Instance({.pid = 4141, .start_ticks = 16});
  const json written = UpInstanceToJson(instance);
  EXPECT_EQ(written["up"], json({{"pid", 4141}, {"startTicks", 16}}));
  EXPECT_EQ(written["apiUrl"], "http://127.0.0.1:8480");
  StatusOr<UpInstance> read = UpInstanceFromJson(written);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(SameInstance(*read, instance));
}

TEST(UpInstanceJsonTest, MissingUpPidIsRefused) {
  json written = UpInstanceToJson(Instance({.pid = 4141, .start_ticks = 16}));
  written.erase("up");
  const Status status = UpInstanceFromJson(written).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("up.pid"));
}

TEST(UpInstanceJsonTest, MissingApiUrlIsRefused) {
  json written = UpInstanceToJson(Instance({.pid = 4141, .start_ticks = 16}));
  written.erase("apiUrl");
  const Status status = UpInstanceFromJson(written).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("apiUrl"));
}

TEST(UpInstanceJsonTest, NonObjectIsRefused) {
  EXPECT_EQ(UpInstanceFromJson(json::array()).status().code(), StatusCode::kInvalidArgument);
}

class UpInstanceFileTest : public testing::TempDirectoryTest {
 protected:
  std::filesystem::path Path() const { return root_ / "up.json"; }
};

TEST_F(UpInstanceFileTest, WrittenThenRead) {
  const UpInstance instance = Instance({.pid = 4141, .start_ticks = 16});
  ASSERT_TRUE(WriteUpInstance(Path(), instance).ok());
  StatusOr<UpInstance> read = ReadUpInstance(Path());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(SameInstance(*read, instance));
}

TEST_F(UpInstanceFileTest, NoFileIsNotFound) {
  EXPECT_EQ(ReadUpInstance(Path()).status().code(), StatusCode::kNotFound);
}

TEST_F(UpInstanceFileTest, BadRecordNamesTheFile) {
  ASSERT_TRUE(WriteFileAtomically(Path(), R"({"apiUrl": "http://127.0.0.1:8480"})").ok());
  const Status status = ReadUpInstance(Path()).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr(Path().string()));
}

TEST_F(UpInstanceFileTest, NoRecordIsNoRunningInstance) {
  EXPECT_EQ(FindRunningInstance(Path()), std::nullopt);
}

TEST_F(UpInstanceFileTest, RecordOfAnExitedProcessIsNoRunningInstance) {
  StatusOr<ProcessIdentity> exited = LaunchProcess({.argv = {"true"}, .log_path = "/dev/null"});
  ASSERT_TRUE(exited.ok()) << exited.status();
  int wait_status = 0;
  ASSERT_EQ(::waitpid(exited->pid, &wait_status, 0), exited->pid);  // reaped: gone
  ASSERT_TRUE(WriteUpInstance(Path(), Instance(*exited)).ok());
  EXPECT_EQ(FindRunningInstance(Path()), std::nullopt);
}

TEST_F(UpInstanceFileTest, RecordWhosePidWasReusedIsNoRunningInstance) {
  ProcessIdentity stranger = ThisProcess();
  stranger.start_ticks += 1;  // the same pid, started at another time
  ASSERT_TRUE(WriteUpInstance(Path(), Instance(stranger)).ok());
  EXPECT_EQ(FindRunningInstance(Path()), std::nullopt);
}

TEST_F(UpInstanceFileTest, RecordOfALiveProcessIsTheRunningInstance) {
  const UpInstance instance = Instance(ThisProcess());
  ASSERT_TRUE(WriteUpInstance(Path(), instance).ok());
  const std::optional<UpInstance> found = FindRunningInstance(Path());
  ASSERT_TRUE(found.has_value());
  EXPECT_TRUE(SameInstance(*found, instance));
}

}  // namespace
}  // namespace tessera::cli
