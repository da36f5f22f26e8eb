#include "controller/queue/work_queue.h"

#include <gtest/gtest.h>

namespace tessera::controller {
namespace {

const WorkQueue::Key kA{"default", "a"};
const WorkQueue::Key kB{"default", "b"};

TEST(WorkQueueTest, DeduplicatesQueuedKeys) {
  FakeClock clock;
  WorkQueue queue(clock);
  queue.Add(kA);
  queue.Add(kB);
  queue.Add(kA);
  EXPECT_EQ(queue.Length(), 2U);
  EXPECT_EQ(queue.TryGet(), kA);
  EXPECT_EQ(queue.TryGet(), kB);
  EXPECT_EQ(queue.TryGet(), std::nullopt);
}

TEST(WorkQueueTest, AKeyBeingProcessedIsHandedOutAgainOnlyAfterDone) {
  FakeClock clock;
  WorkQueue queue(clock);
  queue.Add(kA);
  ASSERT_EQ(queue.TryGet(), kA);
  queue.Add(kA);
  EXPECT_EQ(queue.TryGet(), std::nullopt) << "never processed twice at once";
  queue.Done(kA);
  EXPECT_EQ(queue.TryGet(), kA);
  queue.Done(kA);
  EXPECT_EQ(queue.TryGet(), std::nullopt);
}

TEST(WorkQueueTest, DelayedKeysComeDueWithTheClock) {
  FakeClock clock;
  WorkQueue queue(clock);
  queue.AddAfter(kA, std::chrono::seconds(2));
  EXPECT_EQ(queue.TryGet(), std::nullopt);
  clock.Advance(std::chrono::milliseconds(1999));
  EXPECT_EQ(queue.TryGet(), std::nullopt);
  clock.Advance(std::chrono::milliseconds(1));
  EXPECT_EQ(queue.TryGet(), kA);
}

TEST(WorkQueueTest, FailuresBackOffExponentiallyUntilForgotten) {
  FakeClock clock;
  WorkQueue queue(clock, {.failure_base = std::chrono::milliseconds(10),
                          .failure_max = std::chrono::milliseconds(35)});
  const auto due_after = [&](std::chrono::milliseconds expected) {
    queue.AddRateLimited(kA);
    clock.Advance(expected - std::chrono::milliseconds(1));
    EXPECT_EQ(queue.TryGet(), std::nullopt) << expected.count();
    clock.Advance(std::chrono::milliseconds(1));
    const std::optional<WorkQueue::Key> key = queue.TryGet();
    EXPECT_EQ(key, kA) << expected.count();
    queue.Done(kA);
  };
  due_after(std::chrono::milliseconds(10));
  due_after(std::chrono::milliseconds(20));
  due_after(std::chrono::milliseconds(35));
  due_after(std::chrono::milliseconds(35));
  EXPECT_EQ(queue.Failures(kA), 4);
  queue.Forget(kA);
  due_after(std::chrono::milliseconds(10));
}

TEST(WorkQueueTest, ResyncDoesNotCutABackoffShort) {
  FakeClock clock;
  WorkQueue queue(
      clock, {.failure_base = std::chrono::seconds(1), .failure_max = std::chrono::seconds(10)});
  queue.AddRateLimited(kA);
  queue.Resync(kA);
  EXPECT_EQ(queue.TryGet(), std::nullopt);
  queue.Resync(kB);
  EXPECT_EQ(queue.TryGet(), kB);
  queue.Add(kA);  // a real change retries at once
  EXPECT_EQ(queue.TryGet(), kA);
}

TEST(WorkQueueTest, ShutDownReleasesAWaitingGet) {
  SystemClock clock;
  WorkQueue queue(clock);
  queue.ShutDown();
  EXPECT_EQ(queue.Get(), std::nullopt);
}

}  // namespace
}  // namespace tessera::controller
