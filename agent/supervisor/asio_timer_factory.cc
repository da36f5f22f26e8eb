#include "agent/supervisor/asio_timer_factory.h"

#include <cstdint>
#include <utility>

#include <boost/asio/steady_timer.hpp>

namespace tessera::agent {
namespace {

class AsioTimer final : public Timer {
 public:
  AsioTimer(boost::asio::io_context& loop, const Clock& clock)
      : clock_(clock), state_(std::make_shared<State>(loop)) {}
  AsioTimer(const AsioTimer&) = delete;
  AsioTimer& operator=(const AsioTimer&) = delete;
  ~AsioTimer() override { Cancel(); }

  void Schedule(std::chrono::steady_clock::time_point deadline,
                std::function<void()> callback) override {
    const uint64_t wait = ++state_->generation;
    state_->timer.expires_after(deadline - clock_.Now());
    state_->timer.async_wait(
        [weak = std::weak_ptr<State>(state_), wait,
         callback = std::move(callback)](const boost::system::error_code& error) {
          // A wait that completed just before it was cancelled or replaced is
          // still delivered by asio, without an error: the generation tells.
          std::shared_ptr<State> state = weak.lock();
          if (error || !state || state->generation != wait) return;
          callback();
        });
  }

  void Cancel() override {
    ++state_->generation;
    state_->timer.cancel();
  }

 private:
  struct State {
    explicit State(boost::asio::io_context& loop) : timer(loop) {}
    boost::asio::steady_timer timer;
    uint64_t generation = 0;
  };

  const Clock& clock_;
  std::shared_ptr<State> state_;
};

}  // namespace

AsioTimerFactory::AsioTimerFactory(boost::asio::io_context& loop, const Clock& clock)
    : loop_(loop), clock_(clock) {}

std::unique_ptr<Timer> AsioTimerFactory::MakeTimer() {
  return std::make_unique<AsioTimer>(loop_, clock_);
}

}  // namespace tessera::agent
