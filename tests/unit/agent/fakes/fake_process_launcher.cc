#include "tests/unit/agent/fakes/fake_process_launcher.h"

#include <utility>

namespace tessera::agent::testing {

class FakeProcessLauncher::FakeRunningProcess final : public RunningProcess {
 public:
  FakeRunningProcess(FakeProcessLauncher& launcher, pid_t pid) : launcher_(launcher), pid_(pid) {}
  FakeRunningProcess(const FakeRunningProcess&) = delete;
  FakeRunningProcess& operator=(const FakeRunningProcess&) = delete;
  ~FakeRunningProcess() override { launcher_.processes_.at(pid_).on_exit = nullptr; }

  ProcessIdentity identity() const override { return launcher_.processes_.at(pid_).identity; }

  Status Signal(int signal) override {
    if (!launcher_.signal_error_.ok()) return launcher_.signal_error_;
    Process& process = launcher_.processes_.at(pid_);
    if (process.alive) process.signals.push_back(signal);
    return OkStatus();
  }

 private:
  FakeProcessLauncher& launcher_;
  pid_t pid_;
};

StatusOr<std::unique_ptr<RunningProcess>> FakeProcessLauncher::Launch(const ProcessSpec& spec,
                                                                      OnExit on_exit) {
  if (!launch_error_.ok()) return launch_error_;
  const pid_t pid = next_pid_++;
  processes_[pid] = {.spec = spec,
                     .identity = {.pid = pid, .start_ticks = 100'000 + static_cast<uint64_t>(pid)},
                     .alive = true,
                     .signals = {},
                     .on_exit = std::move(on_exit)};
  launched_.push_back(pid);
  return std::unique_ptr<RunningProcess>(std::make_unique<FakeRunningProcess>(*this, pid));
}

std::unique_ptr<RunningProcess> FakeProcessLauncher::Adopt(const ProcessIdentity& identity,
                                                           OnExit on_exit) {
  const auto it = processes_.find(identity.pid);
  if (it == processes_.end() || !it->second.alive || !(it->second.identity == identity)) {
    return nullptr;
  }
  it->second.on_exit = std::move(on_exit);
  return std::make_unique<FakeRunningProcess>(*this, identity.pid);
}

void FakeProcessLauncher::Exit(pid_t pid, const ProcessExit& exit) {
  Process& process = processes_.at(pid);
  process.alive = false;
  if (!process.on_exit) return;
  OnExit on_exit = std::move(process.on_exit);
  process.on_exit = nullptr;
  on_exit(exit);
}

}  // namespace tessera::agent::testing
