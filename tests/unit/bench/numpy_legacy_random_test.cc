#include "cli/bench/numpy_legacy_random.h"

#include <vector>

#include <gtest/gtest.h>

namespace tessera::bench {
namespace {

// The goldens are numpy 2.2.5's (the version SGLang 0.4.6's client ran with
// in scripts/setup-engine-clients.sh's environment), printed with repr by
//   import numpy as np
//   np.random.seed(S); [float(np.random.<draw>) for _ in range(N)]
// Equal to within four ulps: numpy's and this build's libm may round log and
// pow differently in the last place.
void ExpectDraws(const std::vector<double>& expected, auto draw) {
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_DOUBLE_EQ(draw(), expected[i]) << "draw " << i;
  }
}

TEST(NumpyLegacyRandomTest, UniformMatchesRandomSample) {
  NumpyLegacyRandom random(1);
  ExpectDraws({0.417022004702574, 0.7203244934421581, 0.00011437481734488664},
              [&] { return random.Uniform(); });
  NumpyLegacyRandom largest_seed(4294967295U);
  EXPECT_DOUBLE_EQ(largest_seed.Uniform(), 0.0976320289940138);
}

TEST(NumpyLegacyRandomTest, StandardExponentialMatches) {
  NumpyLegacyRandom random(0);
  ExpectDraws({0.79587450816311, 1.2559307629658378, 0.9232231458040688},
              [&] { return random.StandardExponential(); });
}

TEST(NumpyLegacyRandomTest, StandardGammaBelowOneMatches) {
  NumpyLegacyRandom random(7);
  ExpectDraws({3.3906805248556e-05, 0.03694186028636633, 0.06306211780311208, 0.005192569528079854,
               0.21284694827809486},
              [&] { return random.StandardGamma(0.25); });
}

// Above one the draws use normals, which come in pairs: the goldens cover
// both halves of several pairs.
TEST(NumpyLegacyRandomTest, StandardGammaAboveOneMatches) {
  NumpyLegacyRandom random(7);
  ExpectDraws({1.1346080050647798, 0.8415510205840329, 1.669334732271681, 3.355902293405376,
               2.568318638541829},
              [&] { return random.StandardGamma(2.0); });
  NumpyLegacyRandom peaked(7);
  ExpectDraws({39.85995066202426, 27.200518253175023, 25.573758094632236, 29.677918668719915,
               35.56193205347952},
              [&] { return peaked.StandardGamma(30.0); });
}

}  // namespace
}  // namespace tessera::bench
