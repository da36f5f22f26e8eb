#include "base/backoff.h"

#include <chrono>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using ::testing::ElementsAre;

std::vector<milliseconds> Waits(const BackoffPolicy& policy, int count) {
  std::vector<milliseconds> waits;
  waits.reserve(static_cast<size_t>(count));
  for (int step = 0; step < count; ++step) {
    waits.push_back(std::chrono::duration_cast<milliseconds>(BackoffWait(policy, step)));
  }
  return waits;
}

TEST(BackoffWaitTest, DoublesToTheCap) {
  const BackoffPolicy policy{
      .initial = milliseconds(200), .factor = 2.0, .cap = milliseconds(1000)};
  EXPECT_THAT(Waits(policy, 6),
              ElementsAre(milliseconds(200), milliseconds(400), milliseconds(800),
                          milliseconds(1000), milliseconds(1000), milliseconds(1000)));
  EXPECT_EQ(BackoffWait(policy, 1'000'000), milliseconds(1000));
  EXPECT_EQ(BackoffWait(policy, -1), milliseconds(200));
}

TEST(BackoffWaitTest, IsTheSequenceBackoffSteps) {
  const BackoffPolicy policy{.initial = milliseconds(10), .factor = 3, .steps = 2};
  Backoff backoff(policy, [] { return 0.0; });
  for (int step = 0; step < 5; ++step) EXPECT_EQ(backoff.Next(), BackoffWait(policy, step)) << step;
}

TEST(BackoffWaitTest, WithoutACapSaturatesRatherThanOverflows) {
  const BackoffPolicy policy{.initial = milliseconds(1), .factor = 2.0};
  EXPECT_GT(BackoffWait(policy, 1000), std::chrono::hours(24 * 365));
  EXPECT_EQ(BackoffWait(policy, 1000), BackoffWait(policy, 2000));
}

TEST(BackoffWaitTest, ZeroStaysZero) {
  EXPECT_EQ(BackoffWait({.factor = 2.0}, 10), nanoseconds(0));
}

}  // namespace
}  // namespace tessera
