#include "base/process.h"

#include <csignal>
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace tessera {
namespace {

using ::testing::HasSubstr;

std::string TempLog(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          (name + "_" + std::to_string(::getpid()) + ".log"))
      .string();
}

// Waits (bounded) for the exit descriptor to become readable.
bool WaitExited(int descriptor) {
  pollfd entry{.fd = descriptor, .events = POLLIN, .revents = 0};
  return ::poll(&entry, 1, 10'000) == 1;
}

TEST(PosixProcessTest, RunsArgvWithEnvironmentAndLogsOutput) {
  const std::string log = TempLog("launcher_env");
  std::filesystem::remove(log);
  StatusOr<ProcessIdentity> process =
      LaunchProcess({.argv = {"printenv", "TESSERA_TEST_VALUE"},
                     .env = {{"TESSERA_TEST_VALUE", "partition 3; $(not a shell)"}},
                     .working_directory = "/",
                     .log_path = log});
  ASSERT_TRUE(process.ok()) << process.status();
  const int descriptor = OpenProcessDescriptor(process->pid);
  ASSERT_GE(descriptor, 0);
  ASSERT_TRUE(WaitExited(descriptor));
  ::close(descriptor);
  EXPECT_EQ(ReapExited(process->pid), ProcessExit{.exit_code = 0});
  std::ifstream file(log);
  std::string line;
  std::getline(file, line);
  EXPECT_EQ(line, "partition 3; $(not a shell)");
  std::filesystem::remove(log);
}

TEST(PosixProcessTest, ExecFailureIsAnErrorNotAChild) {
  StatusOr<ProcessIdentity> process = LaunchProcess({.argv = {"/nonexistent/engine"},
                                                     .env = {},
                                                     .working_directory = "",
                                                     .log_path = "/dev/null"});
  ASSERT_FALSE(process.ok());
  EXPECT_THAT(process.status().message(),
              HasSubstr("cannot start \"/nonexistent/engine\": No such file or directory"));
}

TEST(PosixProcessTest, IdentityDetectsExitAndSignalsReachTheGroup) {
  StatusOr<ProcessIdentity> process = LaunchProcess(
      {.argv = {"sleep", "30"}, .env = {}, .working_directory = "", .log_path = "/dev/null"});
  ASSERT_TRUE(process.ok()) << process.status();
  EXPECT_TRUE(IsAlive(*process));
  EXPECT_EQ(::getpgid(process->pid), process->pid) << "leads its own process group";
  EXPECT_FALSE(IsAlive({.pid = process->pid, .start_ticks = process->start_ticks + 1}))
      << "a reused pid is not the same process";
  EXPECT_TRUE(SignalProcessGroup({.pid = process->pid, .start_ticks = process->start_ticks + 1},
                                 /*pidfd=*/-1, SIGKILL)
                  .ok())
      << "a stranger with the pid is left alone, and that is not an error";
  EXPECT_TRUE(IsAlive(*process));
  const int descriptor = OpenProcessDescriptor(process->pid);
  EXPECT_TRUE(SignalProcessGroup(*process, descriptor, SIGKILL).ok());
  ASSERT_TRUE(WaitExited(descriptor));
  EXPECT_TRUE(SignalProcessGroup(*process, descriptor, SIGKILL).ok())
      << "signalling a process that is gone succeeds: nothing is left to signal";
  ::close(descriptor);
  EXPECT_FALSE(IsAlive(*process)) << "a zombie counts as exited";
  EXPECT_EQ(ReapExited(process->pid), ProcessExit{.signal = SIGKILL});
  EXPECT_TRUE(SignalProcessGroup(*process, /*pidfd=*/-1, SIGKILL).ok());
}

TEST(PosixProcessTest, StartTicksOfAMissingProcessAreNone) {
  StatusOr<std::optional<uint64_t>> ticks = ReadProcessStartTicks(0x3fffffff);
  ASSERT_TRUE(ticks.ok()) << ticks.status();
  EXPECT_EQ(*ticks, std::nullopt);
}

}  // namespace
}  // namespace tessera
