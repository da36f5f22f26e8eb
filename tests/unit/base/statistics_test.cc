#include "base/statistics.h"

#include <vector>

#include <gtest/gtest.h>

namespace tessera {
namespace {

// Expected values from numpy 1.26: np.percentile(x, p), np.std(x).
TEST(StatisticsTest, MatchesNumpy) {
  const std::vector<double> x = {15, 20, 35, 40, 50};
  EXPECT_DOUBLE_EQ(Mean(x), 32);
  EXPECT_DOUBLE_EQ(Median(x), 35);
  EXPECT_DOUBLE_EQ(Percentile(x, 99), 49.6);
  EXPECT_DOUBLE_EQ(Percentile(x, 90), 46);
  EXPECT_DOUBLE_EQ(Percentile(x, 0), 15);
  EXPECT_DOUBLE_EQ(Percentile(x, 100), 50);
  EXPECT_NEAR(StandardDeviation(x), 12.884098726725126, 1e-12);
}

TEST(StatisticsTest, EvenCountMedianInterpolates) {
  const std::vector<double> x = {4, 1, 3, 2};
  EXPECT_DOUBLE_EQ(Median(x), 2.5);
}

TEST(StatisticsTest, EmptyIsZero) {
  const std::vector<double> none;
  EXPECT_EQ(Mean(none), 0);
  EXPECT_EQ(Percentile(none, 99), 0);
  EXPECT_EQ(StandardDeviation(none), 0);
}

}  // namespace
}  // namespace tessera
