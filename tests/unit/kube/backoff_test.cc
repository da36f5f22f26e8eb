#include "base/backoff.h"

#include <chrono>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kube/informer.h"
#include "kube/retry.h"

namespace tessera::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;

UniformRandom Constant(double value) {
  return [value] { return value; };
}

TEST(BackoffTest, ReflectorSequenceWithoutJitterDoublesToTheCap) {
  BackoffPolicy policy = kReflectorBackoff;
  policy.jitter = 0;
  Backoff backoff(policy, Constant(0.5));
  const auto start = std::chrono::steady_clock::time_point(seconds(100));
  std::vector<milliseconds> waits;
  for (int i = 0; i < 9; ++i) {
    waits.push_back(std::chrono::duration_cast<milliseconds>(backoff.Next(start + seconds(i))));
  }
  EXPECT_THAT(waits, ElementsAre(milliseconds(800), milliseconds(1600), milliseconds(3200),
                                 milliseconds(6400), milliseconds(12800), milliseconds(25600),
                                 milliseconds(30000), milliseconds(30000), milliseconds(30000)));
}

TEST(BackoffTest, FullJitterLengthensEachWaitByUpToItself) {
  // client-go's wait.Jitter(d, 1.0) = d + rand * d; the jitter comes on top
  // of the cap, so a capped wait can reach 60s.
  Backoff low(kReflectorBackoff, Constant(0.0));
  Backoff high(kReflectorBackoff, Constant(0.999));
  for (int i = 0; i < 12; ++i) {
    const nanoseconds a = low.Next();
    const nanoseconds b = high.Next();
    EXPECT_GE(b, a);
    EXPECT_LT(b, 2 * a);
  }
  EXPECT_EQ(low.Next(), seconds(30));
  EXPECT_GT(high.Next(), seconds(59));
}

TEST(BackoffTest, SeededJitterIsReproducibleAndInRange) {
  Backoff first(kReflectorBackoff, SeededUniformRandom(42));
  Backoff second(kReflectorBackoff, SeededUniformRandom(42));
  nanoseconds base = milliseconds(800);
  for (int i = 0; i < 10; ++i) {
    const nanoseconds wait = first.Next();
    EXPECT_EQ(wait, second.Next());
    EXPECT_GE(wait, base);
    EXPECT_LT(wait, 2 * base);
    base = std::min<nanoseconds>(2 * base, seconds(30));
  }
  Backoff other(kReflectorBackoff, SeededUniformRandom(43));
  Backoff again(kReflectorBackoff, SeededUniformRandom(42));
  EXPECT_NE(other.Next(), again.Next());
}

TEST(BackoffTest, AHealthyPeriodResetsTheSequence) {
  BackoffPolicy policy = kReflectorBackoff;
  policy.jitter = 0;
  Backoff backoff(policy, Constant(0));
  const auto t0 = std::chrono::steady_clock::time_point(seconds(1000));
  EXPECT_EQ(backoff.Next(t0), milliseconds(800));
  EXPECT_EQ(backoff.Next(t0 + seconds(10)), milliseconds(1600));
  // Exactly two minutes since the last wait began is not yet "more than".
  EXPECT_EQ(backoff.Next(t0 + seconds(130)), milliseconds(3200));
  EXPECT_EQ(backoff.Next(t0 + seconds(251)), milliseconds(800));
  backoff.Next(t0 + seconds(252));
  backoff.Reset();
  EXPECT_EQ(backoff.Next(t0 + seconds(253)), milliseconds(800));
}

TEST(BackoffTest, StepsLimitGrowth) {
  Backoff backoff({.initial = milliseconds(10), .factor = 3, .steps = 2}, Constant(0));
  EXPECT_EQ(backoff.Next(), milliseconds(10));
  EXPECT_EQ(backoff.Next(), milliseconds(30));
  EXPECT_EQ(backoff.Next(), milliseconds(90));
  EXPECT_EQ(backoff.Next(), milliseconds(90));
}

TEST(RetryTest, RetryOnConflictMakesFiveAttemptsTenMillisecondsApart) {
  std::vector<nanoseconds> sleeps;
  int attempts = 0;
  const Status status = RetryOnConflict(
      [&] {
        ++attempts;
        return AbortedError("the object has been modified");
      },
      {.sleep = [&](nanoseconds wait) { sleeps.push_back(wait); },
       .random = SeededUniformRandom(7)});
  EXPECT_EQ(status.code(), StatusCode::kAborted);
  EXPECT_EQ(attempts, 5);
  ASSERT_EQ(sleeps.size(), 4U);
  for (const nanoseconds wait : sleeps) {
    EXPECT_GE(wait, milliseconds(10));
    EXPECT_LT(wait, milliseconds(11));  // 10% jitter
  }
}

TEST(RetryTest, StopsAtSuccessOrAnotherError) {
  int attempts = 0;
  std::vector<nanoseconds> sleeps;
  const RetryOptions options{.sleep = [&](nanoseconds wait) { sleeps.push_back(wait); },
                             .random = Constant(0)};
  EXPECT_TRUE(RetryOnConflict(
                  [&] { return ++attempts < 3 ? AbortedError("conflict") : OkStatus(); }, options)
                  .ok());
  EXPECT_EQ(attempts, 3);
  EXPECT_THAT(sleeps, ElementsAre(milliseconds(10), milliseconds(10)));

  attempts = 0;
  EXPECT_EQ(RetryOnConflict(
                [&] {
                  ++attempts;
                  return NotFoundError("gone");
                },
                options)
                .code(),
            StatusCode::kNotFound);
  EXPECT_EQ(attempts, 1);
}

TEST(RetryTest, RetryOnErrorWithAPredicate) {
  int attempts = 0;
  const Status status =
      RetryOnError([](const Status& s) { return s.code() == StatusCode::kUnavailable; },
                   [&] { return ++attempts < 2 ? UnavailableError("down") : OkStatus(); },
                   {.sleep = [](nanoseconds) {}, .random = Constant(0)});
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(attempts, 2);
}

}  // namespace
}  // namespace tessera::kube
