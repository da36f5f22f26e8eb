// Processes as the operating system has them: starting a program as the
// leader of its own session, telling a live process from a stranger that
// reuses its pid, signalling its group, watching and reaping it — also for
// processes an earlier process of ours started. The agent supervises engine
// workers with these; `tessera up` its agent and controller.

#ifndef TESSERA_BASE_PROCESS_H_
#define TESSERA_BASE_PROCESS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "base/status.h"

namespace tessera {

struct ProcessSpec {
  std::vector<std::string> argv{};  // argv[0] is looked up in PATH when it has no '/'
  // Added to (and overriding) the environment of the process starting it.
  std::map<std::string, std::string> env{};
  std::string working_directory{};
  std::string log_path{};  // stdout and stderr, appended
};

// A process is identified by its pid and its start time, so that a pid the
// kernel has since reused for another program is never mistaken for ours.
struct ProcessIdentity {
  pid_t pid = 0;
  uint64_t start_ticks = 0;  // /proc/<pid>/stat field 22

  friend bool operator==(const ProcessIdentity&, const ProcessIdentity&) = default;
};

// How a process ended, as learned where it was reaped. At most one is set;
// neither when the process was not our child (an earlier process of ours
// started it), since only a parent learns how its child ended.
struct ProcessExit {
  std::optional<int> exit_code{};
  std::optional<int> signal{};  // the signal that killed it

  // "exit code 1", "killed by signal 9", "exited (adopted; exit status unknown)".
  std::string Describe() const;

  friend bool operator==(const ProcessExit&, const ProcessExit&) = default;
};

// Starts `spec` directly (never through a shell) as the leader of a new
// session, so that signals to the agent's terminal or process group do not
// reach it and signalling the group reaches the engine's own children. The
// child keeps no descriptor of the agent's other than its log. glibc's
// posix_spawn reports an exec failure (missing binary, no permission) as
// the call's error, through its close-on-exec pipe.
StatusOr<ProcessIdentity> LaunchProcess(const ProcessSpec& spec);

// The start time of `pid`, or nullopt when it does not exist or has exited
// (a zombie counts as exited). Unavailable when /proc/<pid>/stat exists but
// cannot be read (no descriptor left, no permission, masked): then nothing
// is known either way.
StatusOr<std::optional<uint64_t>> ReadProcessStartTicks(pid_t pid);

// True when `identity` still names the same live process; false when it
// does not, or when that cannot be read.
bool IsAlive(const ProcessIdentity& identity);

// Sends `signal` to the process group of `identity` (the engine and the
// helpers it forked). `pidfd` is a descriptor from OpenProcessDescriptor()
// for the same process, or -1: with one, the process is told from a
// stranger that reused its pid without reading /proc. OK when sent, and
// when the process is gone (nothing is left to signal). Unavailable when
// the process could not be told apart from a stranger, or kill() failed:
// the caller tries again later.
Status SignalProcessGroup(const ProcessIdentity& identity, int pidfd, int signal);

// A descriptor that becomes readable when the process exits; works for
// processes that are not our children. -1 with errno set on failure.
int OpenProcessDescriptor(pid_t pid);

// Whether the process behind `pidfd` has exited, asked of the kernel now.
// Readiness notifications for a descriptor can be spurious; this is not.
bool ProcessExited(int pidfd);

// For a child of this process that has exited: reaps it and says how it
// ended (its exit code, or the signal that killed it). For a process that is
// not our child: neither, as only its parent could know.
ProcessExit ReapExited(pid_t pid);

}  // namespace tessera

#endif  // TESSERA_BASE_PROCESS_H_
