// The operating system's side of engine processes: starting them, telling
// them from strangers that reuse their pid, signalling, watching and reaping
// them, including processes a previous agent started. SystemProcessLauncher
// puts these behind the ProcessLauncher seam.

#ifndef TESSERA_AGENT_SUPERVISOR_POSIX_PROCESS_H_
#define TESSERA_AGENT_SUPERVISOR_POSIX_PROCESS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "agent/supervisor/process_launcher.h"
#include "base/status.h"

namespace tessera::agent {

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

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_SUPERVISOR_POSIX_PROCESS_H_
