#include "cli/bench/server_time.h"

#include <gtest/gtest.h>

namespace tessera::bench {
namespace {

TEST(ServerTimeTest, DividesEveryTimeByTheScale) {
  std::vector<RequestOutcome> outcomes(1);
  outcomes[0].start_time = 0.5;
  outcomes[0].ttft = 0.02;
  outcomes[0].itl = {0.004, 0.006};
  outcomes[0].latency = 0.03;
  double duration = 2.0;
  ToServerTime(0.1, outcomes, duration);
  EXPECT_DOUBLE_EQ(outcomes[0].start_time, 5.0);
  EXPECT_DOUBLE_EQ(outcomes[0].ttft, 0.2);
  EXPECT_DOUBLE_EQ(outcomes[0].itl[0], 0.04);
  EXPECT_DOUBLE_EQ(outcomes[0].itl[1], 0.06);
  EXPECT_DOUBLE_EQ(outcomes[0].latency, 0.3);
  EXPECT_DOUBLE_EQ(duration, 20.0);
}

TEST(ServerTimeTest, ScaleOneChangesNothing) {
  std::vector<RequestOutcome> outcomes(1);
  outcomes[0].ttft = 0.25;
  double duration = 3.0;
  ToServerTime(1.0, outcomes, duration);
  EXPECT_DOUBLE_EQ(outcomes[0].ttft, 0.25);
  EXPECT_DOUBLE_EQ(duration, 3.0);
}

}  // namespace
}  // namespace tessera::bench
