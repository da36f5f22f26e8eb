// Processes that exist only in a table: launched, adopted, signalled and
// ended when a test says so. A process outlives the supervisor that started
// it, as a real engine outlives its agent, so a second supervisor can adopt it.

#ifndef TESSERA_TESTS_UNIT_AGENT_FAKES_FAKE_PROCESS_LAUNCHER_H_
#define TESSERA_TESTS_UNIT_AGENT_FAKES_FAKE_PROCESS_LAUNCHER_H_

#include <map>
#include <memory>
#include <vector>

#include "agent/supervisor/process_launcher.h"

namespace tessera::agent::testing {

class FakeProcessLauncher final : public ProcessLauncher {
 public:
  struct Process {
    ProcessSpec spec{};
    ProcessIdentity identity{};
    bool alive = true;
    std::vector<int> signals{};  // received while alive, in order
    OnExit on_exit{};            // while a RunningProcess watches it
  };

  StatusOr<std::unique_ptr<RunningProcess>> Launch(const ProcessSpec& spec,
                                                   OnExit on_exit) override;
  std::unique_ptr<RunningProcess> Adopt(const ProcessIdentity& identity, OnExit on_exit) override;

  // The process ends; whoever watches it learns `exit`, there and then.
  void Exit(pid_t pid, const ProcessExit& exit = {});

  const Process& process(pid_t pid) const { return processes_.at(pid); }
  // Pids in launch order.
  const std::vector<pid_t>& launched() const { return launched_; }
  pid_t last_launched() const { return launched_.empty() ? 0 : launched_.back(); }
  bool watched(pid_t pid) const { return static_cast<bool>(processes_.at(pid).on_exit); }

  // Launches fail with `error` until set back to OK.
  void set_launch_error(Status error) { launch_error_ = std::move(error); }
  // Signals fail with `error` until set back to OK.
  void set_signal_error(Status error) { signal_error_ = std::move(error); }

 private:
  class FakeRunningProcess;

  std::map<pid_t, Process> processes_;
  std::vector<pid_t> launched_;
  pid_t next_pid_ = 4001;
  Status launch_error_;
  Status signal_error_;
};

}  // namespace tessera::agent::testing

#endif  // TESSERA_TESTS_UNIT_AGENT_FAKES_FAKE_PROCESS_LAUNCHER_H_
