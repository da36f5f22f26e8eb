// Time as an injected dependency. Code that waits, times out, backs off or
// stamps events asks a Clock instead of calling std::chrono directly, so tests
// can drive time by hand and never sleep.

#ifndef TESSERA_BASE_CLOCK_H_
#define TESSERA_BASE_CLOCK_H_

#include <chrono>
#include <mutex>

namespace tessera {

// Two readings because they answer different questions: Now() measures
// intervals and never jumps (deadlines, backoff, staleness), WallNow() tells a
// human when something happened and may jump when the host's time is stepped.
// Never compute a timeout from WallNow().
//
// Implementations are safe to call from any thread.
class Clock {
 public:
  virtual ~Clock() = default;

  // Monotonic: successive calls never go backwards.
  virtual std::chrono::steady_clock::time_point Now() const = 0;

  // Calendar time, for timestamps shown to users and written to logs.
  virtual std::chrono::system_clock::time_point WallNow() const = 0;
};

// The real clocks of the host.
class SystemClock final : public Clock {
 public:
  // A process-wide instance. It holds no state, so sharing it is free; it
  // lives until the process exits, so holding a reference to it is safe.
  static Clock& Default();

  std::chrono::steady_clock::time_point Now() const override;
  std::chrono::system_clock::time_point WallNow() const override;
};

// A clock that moves only when told to, for deterministic tests. Thread-safe:
// a test may advance it while the code under test reads it on another thread.
class FakeClock final : public Clock {
 public:
  // 2026-01-01T00:00:00Z: a fixed, recognisable instant so that expected
  // timestamps in tests can be written out literally.
  static constexpr std::chrono::sys_seconds kDefaultWallStart{
      std::chrono::sys_days{std::chrono::year{2026} / std::chrono::January / std::chrono::day{1}}};

  // The monotonic reading starts one hour after the steady clock's epoch rather
  // than at it, so code that treats a zero time_point as "never" cannot pass a
  // test by accident.
  static constexpr std::chrono::steady_clock::time_point kDefaultStart{std::chrono::hours(1)};

  explicit FakeClock(std::chrono::system_clock::time_point wall_start = kDefaultWallStart,
                     std::chrono::steady_clock::time_point start = kDefaultStart);

  std::chrono::steady_clock::time_point Now() const override;
  std::chrono::system_clock::time_point WallNow() const override;

  // Moves both readings forward by `duration`, as real time passing would.
  // Precondition: duration >= 0; monotonic time cannot go back.
  void Advance(std::chrono::nanoseconds duration);

  // Sets the wall reading alone, leaving Now() untouched, to simulate the
  // host's time being stepped (NTP correction, manual change). It may move
  // backwards.
  void SetWall(std::chrono::system_clock::time_point wall);

 private:
  mutable std::mutex mutex_;
  std::chrono::steady_clock::time_point now_;
  std::chrono::system_clock::time_point wall_;
};

}  // namespace tessera

#endif  // TESSERA_BASE_CLOCK_H_
