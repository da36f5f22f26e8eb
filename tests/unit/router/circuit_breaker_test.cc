#include "router/pool/circuit_breaker.h"

#include <gtest/gtest.h>

#include "base/clock.h"

namespace tessera::router {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using State = CircuitBreaker::State;

class CircuitBreakerTest : public ::testing::Test {
 protected:
  void FailTimes(int times) {
    for (int i = 0; i < times; ++i) {
      breaker_.OnSend(clock_.Now());
      breaker_.RecordFailure(clock_.Now());
    }
  }

  FakeClock clock_;
  CircuitBreakerPolicy policy_{.failure_threshold = 3};
  CircuitBreaker breaker_{&policy_};
};

TEST_F(CircuitBreakerTest, OpensAfterTheThresholdOfFailuresInARow) {
  FailTimes(2);
  breaker_.RecordSuccess();
  FailTimes(2);
  EXPECT_EQ(breaker_.state(clock_.Now()), State::kClosed);
  FailTimes(1);
  EXPECT_EQ(breaker_.state(clock_.Now()), State::kOpen);
  EXPECT_FALSE(breaker_.Allow(clock_.Now()));
}

TEST_F(CircuitBreakerTest, HalfOpenLetsOneTrialThroughAndItsSuccessCloses) {
  FailTimes(3);
  clock_.Advance(seconds(1));
  EXPECT_EQ(breaker_.state(clock_.Now()), State::kHalfOpen);
  EXPECT_TRUE(breaker_.Allow(clock_.Now()));
  breaker_.OnSend(clock_.Now());
  EXPECT_FALSE(breaker_.Allow(clock_.Now()));  // one trial at a time
  breaker_.RecordSuccess();
  EXPECT_EQ(breaker_.state(clock_.Now()), State::kClosed);
}

TEST_F(CircuitBreakerTest, AFailedTrialReopensForLongerEachTime) {
  FailTimes(3);
  clock_.Advance(seconds(1));
  FailTimes(1);  // the trial
  EXPECT_EQ(breaker_.state(clock_.Now()), State::kOpen);
  clock_.Advance(milliseconds(1999));
  EXPECT_EQ(breaker_.state(clock_.Now()), State::kOpen);
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(breaker_.state(clock_.Now()), State::kHalfOpen);
  FailTimes(1);
  clock_.Advance(seconds(3));
  EXPECT_EQ(breaker_.state(clock_.Now()), State::kOpen);  // 4 s this time
}

TEST_F(CircuitBreakerTest, AnAbandonedTrialFreesThePlaceForAnother) {
  FailTimes(3);
  clock_.Advance(seconds(1));
  breaker_.OnSend(clock_.Now());
  EXPECT_FALSE(breaker_.Allow(clock_.Now()));
  breaker_.RecordAbandoned();
  EXPECT_TRUE(breaker_.Allow(clock_.Now()));
}

TEST_F(CircuitBreakerTest, LateFailuresOfRequestsSentBeforeOpeningDoNotExtendIt) {
  FailTimes(3);
  clock_.Advance(milliseconds(500));
  breaker_.RecordFailure(clock_.Now());
  clock_.Advance(milliseconds(500));
  EXPECT_EQ(breaker_.state(clock_.Now()), State::kHalfOpen);
}

}  // namespace
}  // namespace tessera::router
