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

#include "base/process.h"
#include "base/status.h"

namespace tessera::agent {

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
