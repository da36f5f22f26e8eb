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

// The offsets at which vLLM 0.8.5's client sends (np.random.seed(3), then
// cumulative sums of np.random.gamma(shape=burstiness, scale=1 / (4 *
// burstiness))). SGLang 0.4.6's np.random.exponential(1 / 4) draws the same
// schedule as burstiness 1.
TEST(ArrivalScheduleTest, SameScheduleAsTheEnginesClientsForTheSameSeed) {
  const std::vector<double> poisson = *ArrivalOffsets(5, 4.0, 1.0, 3);
  const std::vector<double> expected_poisson = {0.0, 0.20007059672061994, 0.5079475584057062,
                                                0.593888908828505, 0.7726489853357087};
  const std::vector<double> bursty = *ArrivalOffsets(5, 4.0, 0.5, 3);
  const std::vector<double> expected_bursty = {0.0, 0.15321854563485515, 0.1955313291958593,
                                               1.002796642143878, 1.0106824772460272};
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_DOUBLE_EQ(poisson[i], expected_poisson[i]) << "request " << i;
    EXPECT_DOUBLE_EQ(bursty[i], expected_bursty[i]) << "request " << i;
  }
}

TEST(ArrivalScheduleTest, RejectsNonPositiveRateAndBurstinessAndSeedsNumpyRefuses) {
  EXPECT_THAT(ArrivalOffsets(3, 0, 1, 0).status().message(), HasSubstr("--request-rate"));
  EXPECT_THAT(ArrivalOffsets(3, 1, -1, 0).status().message(), HasSubstr("--burstiness"));
  EXPECT_THAT(ArrivalOffsets(3, 1, 1, 1ULL << 32).status().message(), HasSubstr("--seed"));
  EXPECT_TRUE(ArrivalOffsets(3, 1, 1, (1ULL << 32) - 1).ok());
}

}  // namespace
}  // namespace tessera::bench
