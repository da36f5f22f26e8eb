#include "kube/stoppable_thread.h"

#include <atomic>
#include <chrono>
#include <future>

#include <gtest/gtest.h>

namespace tessera::kube {
namespace {

using std::chrono::hours;

TEST(StoppableThreadTest, StopWithoutStartIsANoOp) {
  StoppableThread thread;
  thread.Stop();
  EXPECT_FALSE(thread.stopping());
  EXPECT_FALSE(thread.canceller().cancelled());
}

TEST(StoppableThreadTest, StopWakesASleepingLoopAndCancelsItsRequests) {
  StoppableThread thread;
  std::promise<void> sleeping;
  std::atomic<bool> woken_by_stop{false};
  thread.Start([&] {
    sleeping.set_value();
    // An hour: only Stop() can end this test in time.
    woken_by_stop = !thread.SleepFor(hours(1));
  });
  sleeping.get_future().wait();
  thread.Stop();
  EXPECT_TRUE(woken_by_stop);
  EXPECT_TRUE(thread.stopping());
  EXPECT_TRUE(thread.canceller().cancelled());
  EXPECT_FALSE(thread.SleepFor(hours(1)));  // at once, once stopping
}

TEST(StoppableThreadTest, StartWhileRunningIsANoOp) {
  StoppableThread thread;
  std::atomic<int> loops{0};
  std::promise<void> started;
  thread.Start([&] {
    ++loops;
    started.set_value();
    while (thread.SleepFor(hours(1))) {
    }
  });
  started.get_future().wait();
  thread.Start([&] { ++loops; });
  thread.Stop();
  EXPECT_EQ(loops, 1);
}

TEST(StoppableThreadTest, StartAfterStopRunsAFreshLoop) {
  StoppableThread thread;
  thread.Start([&] {
    while (thread.SleepFor(hours(1))) {
    }
  });
  thread.Stop();
  std::promise<bool> fresh;
  thread.Start([&] { fresh.set_value(!thread.stopping() && !thread.canceller().cancelled()); });
  EXPECT_TRUE(fresh.get_future().get());
  thread.Stop();
}

TEST(StoppableThreadTest, DestructionStopsTheLoop) {
  std::atomic<bool> returned{false};
  {
    StoppableThread thread;
    std::promise<void> started;
    thread.Start([&] {
      started.set_value();
      while (thread.SleepFor(hours(1))) {
      }
      returned = true;
    });
    started.get_future().wait();
  }
  EXPECT_TRUE(returned);
}

}  // namespace
}  // namespace tessera::kube
