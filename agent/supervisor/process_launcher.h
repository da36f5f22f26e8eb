// The seam between the supervisor and engine processes: starting them,
// adopting those a previous agent started, signalling them and learning how
// they ended. SystemProcessLauncher is the host's; tests fake it.

#ifndef TESSERA_AGENT_SUPERVISOR_PROCESS_LAUNCHER_H_
#define TESSERA_AGENT_SUPERVISOR_PROCESS_LAUNCHER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "base/status.h"

namespace tessera::agent {

struct ProcessSpec {
  std::vector<std::string> argv{};  // argv[0] is looked up in PATH when it has no '/'
  // Added to (and overriding) the agent's own environment.
  std::map<std::string, std::string> env{};
  std::string working_directory;
  std::string log_path;  // stdout and stderr, appended
};

// A process is identified by its pid and its start time, so that a pid the
// kernel has since reused for another program is never mistaken for ours.
struct ProcessIdentity {
  pid_t pid = 0;
  uint64_t start_ticks = 0;  // /proc/<pid>/stat field 22

  friend bool operator==(const ProcessIdentity&, const ProcessIdentity&) = default;
};

// How a process ended, as learned where it was reaped. At most one is set;
// neither when the process was not the agent's child (a previous agent
// started it), since only a parent learns how its child ended.
struct ProcessExit {
  std::optional<int> exit_code{};
  std::optional<int> signal{};  // the signal that killed it

  // "exit code 1", "killed by signal 9", "exited (adopted; exit status unknown)".
  std::string Describe() const;

  friend bool operator==(const ProcessExit&, const ProcessExit&) = default;
};

// A started or adopted process, watched for its exit until this handle is
// destroyed. Destroying it leaves the process running.
class RunningProcess {
 public:
  virtual ~RunningProcess() = default;

  virtual ProcessIdentity identity() const = 0;

  // Sends `signal` to the process's group (the engine and the helpers it
  // forked). OK when sent, and when the process is gone (nothing is left to
  // signal). Unavailable when the process could not be told apart from a
  // stranger that reused its pid, or the signal could not be sent: the
  // caller tries again later.
  virtual Status Signal(int signal) = 0;
};

class ProcessLauncher {
 public:
  // Runs once, on the agent's event loop, when the process has exited; never
  // within the call that started watching, and never once the
  // RunningProcess is destroyed.
  using OnExit = std::function<void(ProcessExit exit)>;

  virtual ~ProcessLauncher() = default;

  // Starts `spec` directly, never through a shell, as the leader of a new
  // session (signals to the agent's terminal do not reach it). Unavailable,
  // naming the program, when it cannot be started.
  virtual StatusOr<std::unique_ptr<RunningProcess>> Launch(const ProcessSpec& spec,
                                                           OnExit on_exit) = 0;

  // Takes on a process a previous agent started; nullptr when `identity`
  // no longer names a live process.
  virtual std::unique_ptr<RunningProcess> Adopt(const ProcessIdentity& identity,
                                                OnExit on_exit) = 0;
};

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_SUPERVISOR_PROCESS_LAUNCHER_H_
