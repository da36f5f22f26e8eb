// ProcessLauncher on this host (posix_process.h): posix_spawn to start, a
// pidfd on the agent's event loop to learn of an exit, waitpid to reap.

#ifndef TESSERA_AGENT_SUPERVISOR_SYSTEM_PROCESS_LAUNCHER_H_
#define TESSERA_AGENT_SUPERVISOR_SYSTEM_PROCESS_LAUNCHER_H_

#include <chrono>
#include <memory>

#include <boost/asio/io_context.hpp>

#include "agent/supervisor/process_launcher.h"
#include "base/logging.h"

namespace tessera::agent {

class SystemProcessLauncher final : public ProcessLauncher {
 public:
  // A process that cannot be watched (the agent is out of descriptors) is
  // not taken for gone: watching it is tried again every
  // `watch_retry_period`. Not owned: `loop` must outlive the launcher and
  // every process it returns.
  SystemProcessLauncher(boost::asio::io_context& loop, std::chrono::milliseconds watch_retry_period,
                        Logger logger);

  StatusOr<std::unique_ptr<RunningProcess>> Launch(const ProcessSpec& spec,
                                                   OnExit on_exit) override;
  std::unique_ptr<RunningProcess> Adopt(const ProcessIdentity& identity, OnExit on_exit) override;

 private:
  std::unique_ptr<RunningProcess> Watch(const ProcessIdentity& identity, bool our_child,
                                        OnExit on_exit);

  boost::asio::io_context& loop_;
  std::chrono::milliseconds watch_retry_period_;
  Logger logger_;
};

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_SUPERVISOR_SYSTEM_PROCESS_LAUNCHER_H_
