#include "base/thread_pool.h"

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(ThreadPoolTest, EveryIndexRunsOnce) {
  ThreadPool pool(3);
  std::vector<std::atomic<int>> runs(1000);
  pool.ParallelFor(runs.size(), [&](size_t i) { ++runs[i]; });
  for (const std::atomic<int>& count : runs) EXPECT_EQ(count.load(), 1);
}

TEST(ThreadPoolTest, WithoutHelpersTheCallerRunsEverything) {
  ThreadPool pool(0);
  std::set<std::thread::id> threads;
  pool.ParallelFor(10, [&](size_t /*i*/) { threads.insert(std::this_thread::get_id()); });
  EXPECT_EQ(threads, std::set<std::thread::id>{std::this_thread::get_id()});
}

TEST(ThreadPoolTest, CallsOverlapUpToThePoolsSize) {
  // Each call waits until all four are running at once: only four threads
  // (three helpers and the caller) can get there.
  ThreadPool pool(3);
  std::atomic<int> running{0};
  std::atomic<int> most{0};
  pool.ParallelFor(4, [&](size_t /*i*/) {
    const int now = ++running;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    while (most.load() < 4) std::this_thread::yield();
    --running;
  });
  EXPECT_EQ(most.load(), 4);
}

TEST(ThreadPoolTest, BatchesFollowOneAnotherAndCallersTakeTurns) {
  ThreadPool pool(2);
  std::atomic<int> total{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&] {
      for (int batch = 0; batch < 50; ++batch) {
        pool.ParallelFor(7, [&](size_t /*i*/) { ++total; });
      }
    });
  }
  for (std::thread& caller : callers) caller.join();
  EXPECT_EQ(total.load(), 4 * 50 * 7);
}

TEST(ThreadPoolTest, AnEmptyBatchReturns) {
  ThreadPool pool(2);
  pool.ParallelFor(0, [](size_t /*i*/) { FAIL(); });
}

}  // namespace
}  // namespace tessera
