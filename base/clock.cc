#include "base/clock.h"

#include <cassert>

namespace tessera {

Clock& SystemClock::Default() {
  // Function-local and never destroyed, so loggers and timers used from static
  // destructors or detached threads at exit still have a clock to read.
  static auto* const kClock = new SystemClock();
  return *kClock;
}

std::chrono::steady_clock::time_point SystemClock::Now() const {
  return std::chrono::steady_clock::now();
}

std::chrono::system_clock::time_point SystemClock::WallNow() const {
  return std::chrono::system_clock::now();
}

FakeClock::FakeClock(std::chrono::system_clock::time_point wall_start,
                     std::chrono::steady_clock::time_point start)
    : now_(start), wall_(wall_start) {}

std::chrono::steady_clock::time_point FakeClock::Now() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return now_;
}

std::chrono::system_clock::time_point FakeClock::WallNow() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return wall_;
}

void FakeClock::Advance(std::chrono::nanoseconds duration) {
  assert(duration >= std::chrono::nanoseconds::zero() && "FakeClock cannot go back in time");
  std::lock_guard<std::mutex> lock(mutex_);
  now_ += duration;
  wall_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(duration);
}

void FakeClock::SetWall(std::chrono::system_clock::time_point wall) {
  std::lock_guard<std::mutex> lock(mutex_);
  wall_ = wall;
}

}  // namespace tessera
