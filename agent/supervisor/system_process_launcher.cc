#include "agent/supervisor/system_process_launcher.h"

#include <cerrno>
#include <system_error>
#include <utility>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/process.h"

namespace tessera::agent {
namespace {

// What the watch of one process holds. Handlers keep it by weak pointer: once
// the RunningProcess is gone, nothing of it runs.
struct WatchState {
  WatchState(boost::asio::io_context& io_context, ProcessIdentity process, bool child,
             std::chrono::milliseconds retry_period, Logger log, ProcessLauncher::OnExit callback)
      : loop(io_context),
        identity(process),
        our_child(child),
        watch_retry_period(retry_period),
        logger(std::move(log)),
        on_exit(std::move(callback)),
        retry(io_context) {}

  boost::asio::io_context& loop;
  ProcessIdentity identity;
  bool our_child;
  std::chrono::milliseconds watch_retry_period;
  Logger logger;
  ProcessLauncher::OnExit on_exit;
  std::unique_ptr<boost::asio::posix::stream_descriptor> exit_watch;
  boost::asio::steady_timer retry;
};

void Report(const std::shared_ptr<WatchState>& state, ProcessExit exit) {
  if (!state->on_exit) return;
  ProcessLauncher::OnExit on_exit = std::move(state->on_exit);
  state->on_exit = nullptr;
  state->exit_watch.reset();
  on_exit(exit);
}

void AwaitExit(const std::shared_ptr<WatchState>& state) {
  state->exit_watch->async_wait(
      boost::asio::posix::stream_descriptor::wait_read,
      [weak = std::weak_ptr<WatchState>(state)](const boost::system::error_code& error) {
        std::shared_ptr<WatchState> alive = weak.lock();
        if (error || !alive || !alive->exit_watch) return;
        // A wait completes on readiness as the reactor saw it, and that has
        // been seen to be spurious: with 50 workers started at once, several
        // exit watches fired while their process ran and poll() said the
        // descriptor was not readable. Taken at its word, a worker would be
        // marked exited while it still runs and started again beside itself,
        // so the kernel is asked directly.
        if (!ProcessExited(alive->exit_watch->native_handle())) {
          AwaitExit(alive);
          return;
        }
        Report(alive, alive->our_child ? ReapExited(alive->identity.pid) : ProcessExit{});
      });
}

void StartWatch(const std::shared_ptr<WatchState>& state) {
  const int descriptor = OpenProcessDescriptor(state->identity.pid);
  if (descriptor >= 0) {
    state->exit_watch =
        std::make_unique<boost::asio::posix::stream_descriptor>(state->loop, descriptor);
    AwaitExit(state);
    return;
  }
  const int error = errno;
  if (error == ESRCH) {
    // Already gone; reported from the loop, as every exit is.
    ProcessExit exit = state->our_child ? ReapExited(state->identity.pid) : ProcessExit{};
    boost::asio::post(state->loop, [weak = std::weak_ptr<WatchState>(state), exit] {
      if (std::shared_ptr<WatchState> alive = weak.lock()) Report(alive, exit);
    });
    return;
  }
  // Out of descriptors, say: the process may well be alive, so it is not
  // reported gone; watching is tried again shortly.
  state->logger.Warning("cannot watch worker process; retrying",
                        {{"pid", state->identity.pid},
                         {"error", std::error_code(error, std::generic_category()).message()}});
  state->retry.expires_after(state->watch_retry_period);
  state->retry.async_wait(
      [weak = std::weak_ptr<WatchState>(state)](const boost::system::error_code& wait_error) {
        std::shared_ptr<WatchState> alive = weak.lock();
        if (wait_error || !alive || !alive->on_exit || alive->exit_watch) return;
        StartWatch(alive);
      });
}

class WatchedProcess final : public RunningProcess {
 public:
  explicit WatchedProcess(std::shared_ptr<WatchState> state) : state_(std::move(state)) {}
  WatchedProcess(const WatchedProcess&) = delete;
  WatchedProcess& operator=(const WatchedProcess&) = delete;
  ~WatchedProcess() override {
    state_->on_exit = nullptr;
    state_->retry.cancel();
    if (state_->exit_watch) state_->exit_watch->cancel();
  }

  ProcessIdentity identity() const override { return state_->identity; }

  Status Signal(int signal) override {
    // With a pidfd, the process is told from a stranger that reused its pid
    // without reading /proc.
    const int pidfd = state_->exit_watch ? state_->exit_watch->native_handle() : -1;
    return SignalProcessGroup(state_->identity, pidfd, signal);
  }

 private:
  std::shared_ptr<WatchState> state_;
};

}  // namespace

SystemProcessLauncher::SystemProcessLauncher(boost::asio::io_context& loop,
                                             std::chrono::milliseconds watch_retry_period,
                                             Logger logger)
    : loop_(loop), watch_retry_period_(watch_retry_period), logger_(std::move(logger)) {}

StatusOr<std::unique_ptr<RunningProcess>> SystemProcessLauncher::Launch(const ProcessSpec& spec,
                                                                        OnExit on_exit) {
  TESSERA_ASSIGN_OR_RETURN(const ProcessIdentity identity, LaunchProcess(spec));
  return Watch(identity, /*our_child=*/true, std::move(on_exit));
}

std::unique_ptr<RunningProcess> SystemProcessLauncher::Adopt(const ProcessIdentity& identity,
                                                             OnExit on_exit) {
  if (!IsAlive(identity)) return nullptr;
  return Watch(identity, /*our_child=*/false, std::move(on_exit));
}

std::unique_ptr<RunningProcess> SystemProcessLauncher::Watch(const ProcessIdentity& identity,
                                                             bool our_child, OnExit on_exit) {
  auto state = std::make_shared<WatchState>(loop_, identity, our_child, watch_retry_period_,
                                            logger_, std::move(on_exit));
  StartWatch(state);
  return std::make_unique<WatchedProcess>(std::move(state));
}

}  // namespace tessera::agent
