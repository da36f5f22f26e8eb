#include "cli/bench/arrival_schedule.h"

#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/statistics.h"

namespace tessera::bench {
namespace {

using ::testing::HasSubstr;

std::vector<double> Gaps(const std::vector<double>& offsets) {
  std::vector<double> gaps;
  for (size_t i = 1; i < offsets.size(); ++i) gaps.push_back(offsets[i] - offsets[i - 1]);
  return gaps;
}

TEST(ArrivalScheduleTest, InfiniteRateSendsEverythingAtOnce) {
  StatusOr<std::vector<double>> offsets = ArrivalOffsets(5, INFINITY, 1.0, 0);
  ASSERT_TRUE(offsets.ok());
  EXPECT_EQ(*offsets, std::vector<double>(5, 0.0));
}

TEST(ArrivalScheduleTest, PoissonGapsHaveTheRequestedMeanAndSpread) {
  const std::vector<double> gaps = Gaps(*ArrivalOffsets(20001, 10.0, 1.0, 42));
  EXPECT_NEAR(Mean(gaps), 0.1, 0.003);
  // Exponential: the standard deviation equals the mean.
  EXPECT_NEAR(StandardDeviation(gaps), 0.1, 0.005);
}

TEST(ArrivalScheduleTest, BurstinessChangesSpreadNotRate) {
  const std::vector<double> bursty = Gaps(*ArrivalOffsets(20001, 10.0, 0.25, 7));
  const std::vector<double> even = Gaps(*ArrivalOffsets(20001, 10.0, 4.0, 7));
  EXPECT_NEAR(Mean(bursty), 0.1, 0.006);
  EXPECT_NEAR(Mean(even), 0.1, 0.003);
  // Gamma with shape k: coefficient of variation 1/sqrt(k).
  EXPECT_NEAR(StandardDeviation(bursty) / Mean(bursty), 2.0, 0.1);
  EXPECT_NEAR(StandardDeviation(even) / Mean(even), 0.5, 0.03);
}

TEST(ArrivalScheduleTest, FixedSeedIsReproducible) {
  EXPECT_EQ(*ArrivalOffsets(50, 3.0, 1.0, 5), *ArrivalOffsets(50, 3.0, 1.0, 5));
  EXPECT_NE(*ArrivalOffsets(50, 3.0, 1.0, 5), *ArrivalOffsets(50, 3.0, 1.0, 6));
}

TEST(ArrivalScheduleTest, RejectsNonPositiveRateAndBurstiness) {
  EXPECT_THAT(ArrivalOffsets(3, 0, 1, 0).status().message(), HasSubstr("--request-rate"));
  EXPECT_THAT(ArrivalOffsets(3, 1, -1, 0).status().message(), HasSubstr("--burstiness"));
}

}  // namespace
}  // namespace tessera::bench
