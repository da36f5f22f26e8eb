#include "tests/unit/agent/fakes/fake_timer_factory.h"

#include <utility>

namespace tessera::agent::testing {

class FakeTimerFactory::FakeTimer final : public Timer {
 public:
  explicit FakeTimer(FakeTimerFactory& factory) : factory_(factory) {
    factory_.timers_.insert(this);
  }
  FakeTimer(const FakeTimer&) = delete;
  FakeTimer& operator=(const FakeTimer&) = delete;
  ~FakeTimer() override { factory_.timers_.erase(this); }

  void Schedule(std::chrono::steady_clock::time_point deadline,
                std::function<void()> callback) override {
    deadline_ = deadline;
    sequence_ = factory_.next_sequence_++;
    callback_ = std::move(callback);
  }
  void Cancel() override { callback_ = nullptr; }

  bool armed() const { return callback_ != nullptr; }
  std::chrono::steady_clock::time_point deadline() const { return deadline_; }
  uint64_t sequence() const { return sequence_; }
  std::function<void()> Take() {
    std::function<void()> callback = std::move(callback_);
    callback_ = nullptr;
    return callback;
  }

 private:
  FakeTimerFactory& factory_;
  std::chrono::steady_clock::time_point deadline_{};
  uint64_t sequence_ = 0;
  std::function<void()> callback_;
};

std::unique_ptr<Timer> FakeTimerFactory::MakeTimer() { return std::make_unique<FakeTimer>(*this); }

std::optional<std::chrono::steady_clock::time_point> FakeTimerFactory::NextDeadline() const {
  std::optional<std::chrono::steady_clock::time_point> next;
  for (const FakeTimer* timer : timers_) {
    if (timer->armed() && (!next || timer->deadline() < *next)) next = timer->deadline();
  }
  return next;
}

void FakeTimerFactory::Advance(std::chrono::nanoseconds duration) {
  const std::chrono::steady_clock::time_point target = clock_.Now() + duration;
  while (true) {
    // Callbacks make and destroy timers, so the earliest is looked for afresh
    // each time; ties go in the order they were scheduled.
    FakeTimer* earliest = nullptr;
    for (FakeTimer* timer : timers_) {
      if (!timer->armed() || timer->deadline() > target) continue;
      if (earliest == nullptr || timer->deadline() < earliest->deadline() ||
          (timer->deadline() == earliest->deadline() && timer->sequence() < earliest->sequence())) {
        earliest = timer;
      }
    }
    if (earliest == nullptr) break;
    if (earliest->deadline() > clock_.Now()) clock_.Advance(earliest->deadline() - clock_.Now());
    earliest->Take()();
  }
  if (target > clock_.Now()) clock_.Advance(target - clock_.Now());
}

}  // namespace tessera::agent::testing
