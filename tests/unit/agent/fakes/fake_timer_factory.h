// Timers that fire only when a test moves a FakeClock on, in deadline order.

#ifndef TESSERA_TESTS_UNIT_AGENT_FAKES_FAKE_TIMER_FACTORY_H_
#define TESSERA_TESTS_UNIT_AGENT_FAKES_FAKE_TIMER_FACTORY_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>

#include "agent/supervisor/timer.h"
#include "base/clock.h"

namespace tessera::agent::testing {

class FakeTimerFactory final : public TimerFactory {
 public:
  // Not owned: `clock` must outlive the factory, and the factory every timer.
  explicit FakeTimerFactory(FakeClock& clock) : clock_(clock) {}

  std::unique_ptr<Timer> MakeTimer() override;

  // Moves the clock on by `duration`, stopping at each deadline on the way
  // to run what is due there, as the event loop would: a callback runs with
  // the clock at its deadline, and sees what earlier ones scheduled.
  void Advance(std::chrono::nanoseconds duration);
  // Runs what is due now (deadlines already passed), without moving the clock.
  void RunDue() { Advance(std::chrono::nanoseconds(0)); }
  // The earliest deadline set, if any.
  std::optional<std::chrono::steady_clock::time_point> NextDeadline() const;

 private:
  class FakeTimer;
  friend class FakeTimer;

  FakeClock& clock_;
  std::set<FakeTimer*> timers_;
  uint64_t next_sequence_ = 0;
};

}  // namespace tessera::agent::testing

#endif  // TESSERA_TESTS_UNIT_AGENT_FAKES_FAKE_TIMER_FACTORY_H_
