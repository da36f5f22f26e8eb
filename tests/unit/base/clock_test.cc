#include "base/clock.h"

#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

namespace tessera {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;
using std::chrono::system_clock;

TEST(SystemClockTest, DefaultIsOneSharedInstance) {
  EXPECT_EQ(&SystemClock::Default(), &SystemClock::Default());
}

TEST(SystemClockTest, ReadsTheHostClocks) {
  const Clock& clock = SystemClock::Default();
  const steady_clock::time_point steady_before = steady_clock::now();
  const system_clock::time_point wall_before = system_clock::now();
  const steady_clock::time_point now = clock.Now();
  const system_clock::time_point wall = clock.WallNow();
  EXPECT_GE(now, steady_before);
  EXPECT_LE(now, steady_clock::now());
  // The wall clock may be stepped by the host at any moment, so only check
  // it is in the right neighbourhood.
  EXPECT_LT(std::chrono::abs(wall - wall_before), hours(1));
}

TEST(SystemClockTest, NowNeverGoesBackwards) {
  const Clock& clock = SystemClock::Default();
  steady_clock::time_point previous = clock.Now();
  for (int i = 0; i < 1000; ++i) {
    const steady_clock::time_point current = clock.Now();
    ASSERT_GE(current, previous);
    previous = current;
  }
}

TEST(FakeClockTest, StartsAtTheDocumentedDefaults) {
  const FakeClock clock;
  EXPECT_EQ(clock.WallNow(), FakeClock::kDefaultWallStart);
  EXPECT_EQ(clock.Now(), FakeClock::kDefaultStart);
  EXPECT_NE(clock.Now(), steady_clock::time_point());
  // 2026-01-01T00:00:00Z.
  EXPECT_EQ(system_clock::to_time_t(clock.WallNow()), 1767225600);
}

TEST(FakeClockTest, StartsAtTheGivenPoints) {
  const system_clock::time_point wall = system_clock::time_point(seconds(1'000'000));
  const steady_clock::time_point start = steady_clock::time_point(seconds(5));
  const FakeClock clock(wall, start);
  EXPECT_EQ(clock.WallNow(), wall);
  EXPECT_EQ(clock.Now(), start);
}

TEST(FakeClockTest, StandsStillUntilAdvanced) {
  const FakeClock clock;
  EXPECT_EQ(clock.Now(), clock.Now());
  EXPECT_EQ(clock.WallNow(), clock.WallNow());
}

TEST(FakeClockTest, AdvanceMovesBothReadings) {
  FakeClock clock;
  const steady_clock::time_point start = clock.Now();
  const system_clock::time_point wall_start = clock.WallNow();
  clock.Advance(milliseconds(1500));
  EXPECT_EQ(clock.Now() - start, milliseconds(1500));
  EXPECT_EQ(clock.WallNow() - wall_start, milliseconds(1500));
  clock.Advance(nanoseconds(1));
  EXPECT_EQ(clock.Now() - start, milliseconds(1500) + nanoseconds(1));
  clock.Advance(nanoseconds::zero());
  EXPECT_EQ(clock.Now() - start, milliseconds(1500) + nanoseconds(1));
}

TEST(FakeClockTest, SetWallLeavesMonotonicTimeAlone) {
  FakeClock clock;
  const steady_clock::time_point start = clock.Now();
  const system_clock::time_point earlier = clock.WallNow() - hours(2);
  clock.SetWall(earlier);
  EXPECT_EQ(clock.WallNow(), earlier);
  EXPECT_EQ(clock.Now(), start);
  clock.Advance(seconds(1));
  EXPECT_EQ(clock.WallNow(), earlier + seconds(1));
}

TEST(FakeClockTest, UsableThroughTheInterface) {
  FakeClock fake;
  const Clock& clock = fake;
  const steady_clock::time_point deadline = clock.Now() + seconds(30);
  fake.Advance(seconds(29));
  EXPECT_LT(clock.Now(), deadline);
  fake.Advance(seconds(1));
  EXPECT_GE(clock.Now(), deadline);
}

TEST(FakeClockTest, AdvancedFromAnotherThreadWhileRead) {
  FakeClock clock;
  const steady_clock::time_point start = clock.Now();
  constexpr int kSteps = 10'000;
  std::atomic<bool> done{false};
  std::thread driver([&] {
    for (int i = 0; i < kSteps; ++i) clock.Advance(milliseconds(1));
    done.store(true);
  });
  // Every reading is a whole number of steps and never goes backwards.
  steady_clock::time_point previous = start;
  while (!done.load()) {
    const steady_clock::time_point current = clock.Now();
    ASSERT_GE(current, previous);
    ASSERT_EQ((current - start) % milliseconds(1), nanoseconds::zero());
    previous = current;
  }
  driver.join();
  EXPECT_EQ(clock.Now() - start, milliseconds(kSteps));
  EXPECT_EQ(clock.WallNow() - FakeClock::kDefaultWallStart, milliseconds(kSteps));
}

}  // namespace
}  // namespace tessera
