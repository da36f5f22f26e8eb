#include "cli/bench/python_random.h"

#include <numeric>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::bench {
namespace {

using ::testing::ElementsAreArray;

// Every expected value below was printed by CPython 3.11.7; the command is
// beside each table.

std::vector<int> ShuffledRange(uint64_t seed, int n) {
  std::vector<int> values(static_cast<size_t>(n));
  std::iota(values.begin(), values.end(), 0);
  PythonRandom random(seed);
  random.Shuffle(std::span<int>(values));
  return values;
}

TEST(PythonRandomTest, RandomAfterSeedMatchesCpython) {
  // python3 -c "import random
  // for s in (0,1,42,2**40+3,2**64-1,2**32):
  //   random.seed(s); print(s, [repr(random.random()) for _ in range(3)])"
  struct Case {
    uint64_t seed;
    std::vector<double> values;
  };
  const std::vector<Case> cases = {
      {0, {0.8444218515250481, 0.7579544029403025, 0.420571580830845}},
      {1, {0.13436424411240122, 0.8474337369372327, 0.763774618976614}},
      {42, {0.6394267984578837, 0.025010755222666936, 0.27502931836911926}},
      // Two key words, the high one small.
      {(uint64_t{1} << 40) + 3, {0.21978710637116716, 0.5494687768352203, 0.09461190973523603}},
      {UINT64_MAX, {0.021825695401270107, 0.3380953268613758, 0.21196748656082065}},
      // The low word zero: still two words, not one.
      {uint64_t{1} << 32, {0.11299430095636409, 0.41782886486292836}},
  };
  for (const auto& [seed, values] : cases) {
    PythonRandom random(seed);
    for (size_t i = 0; i < values.size(); ++i) {
      EXPECT_EQ(random.Random(), values[i]) << "seed " << seed << ", draw " << i;
    }
  }
}

TEST(PythonRandomTest, GetRandBitsMatchesCpython) {
  // python3 -c "import random
  // for s in (0,1,42,2**40+3):
  //   random.seed(s); print(s, [random.getrandbits(k) for k in (1,7,32,33,64)])"
  struct Case {
    uint64_t seed;
    std::vector<uint64_t> values;
  };
  const std::vector<Case> cases = {
      {0, {1, 49, 3255389356, 3823568514, 4776171008201404212}},
      {1, {0, 72, 3639700191, 7740669488, 4705193143269049553}},
      {42, {1, 14, 107420369, 3184935163, 4117511471858006928}},
      {(uint64_t{1} << 40) + 3, {0, 7, 2359950418, 3580981848, 18103662865926840846u}},
  };
  for (const auto& [seed, values] : cases) {
    PythonRandom random(seed);
    std::vector<uint64_t> drawn;
    for (const int bits : {1, 7, 32, 33, 64}) drawn.push_back(random.GetRandBits(bits));
    EXPECT_THAT(drawn, ElementsAreArray(values)) << "seed " << seed;
  }
}

TEST(PythonRandomTest, ShuffleMatchesCpython) {
  // python3 -c "import random
  // for s in (0,1,42,2**40+3):
  //   for n in (1,2,5,10):
  //     x=list(range(n)); random.seed(s); random.shuffle(x); print(s,n,x)"
  struct Case {
    uint64_t seed;
    std::vector<int> two;
    std::vector<int> five;
    std::vector<int> ten;
  };
  const std::vector<Case> cases = {
      {0, {0, 1}, {2, 1, 0, 4, 3}, {7, 8, 1, 5, 3, 4, 2, 0, 9, 6}},
      {1, {1, 0}, {2, 3, 4, 0, 1}, {6, 8, 9, 7, 5, 3, 0, 4, 1, 2}},
      {42, {1, 0}, {3, 1, 2, 4, 0}, {7, 3, 2, 8, 5, 6, 9, 4, 0, 1}},
      {(uint64_t{1} << 40) + 3, {1, 0}, {4, 3, 2, 0, 1}, {8, 5, 6, 7, 9, 2, 4, 1, 0, 3}},
  };
  for (const auto& [seed, two, five, ten] : cases) {
    EXPECT_THAT(ShuffledRange(seed, 1), ElementsAreArray({0})) << "seed " << seed;
    EXPECT_THAT(ShuffledRange(seed, 2), ElementsAreArray(two)) << "seed " << seed;
    EXPECT_THAT(ShuffledRange(seed, 5), ElementsAreArray(five)) << "seed " << seed;
    EXPECT_THAT(ShuffledRange(seed, 10), ElementsAreArray(ten)) << "seed " << seed;
  }
  // python3 -c "import random; x=list(range(30)); random.seed(7); random.shuffle(x); print(x)"
  EXPECT_THAT(ShuffledRange(7, 30),
              ElementsAreArray({21, 5,  15, 29, 7,  28, 9,  0, 13, 8, 27, 22, 26, 14, 23,
                                24, 19, 6,  16, 25, 18, 11, 3, 17, 2, 1,  20, 12, 4,  10}));
}

TEST(PythonRandomTest, ChoicesMatchesCpython) {
  // python3 -c "import random
  // for s in (0,1,42,2**40+3):
  //   random.seed(s); print(s, random.choices(range(7), k=10))"
  struct Case {
    uint64_t seed;
    std::vector<int> picked;
  };
  const std::vector<Case> cases = {
      {0, {5, 5, 2, 1, 3, 2, 5, 2, 3, 4}},
      {1, {0, 5, 5, 1, 3, 3, 4, 5, 0, 0}},
      {42, {4, 0, 1, 1, 5, 4, 6, 0, 2, 0}},
      {(uint64_t{1} << 40) + 3, {1, 3, 0, 6, 6, 5, 1, 3, 5, 1}},
  };
  const std::vector<int> population = {0, 1, 2, 3, 4, 5, 6};
  for (const auto& [seed, picked] : cases) {
    PythonRandom random(seed);
    EXPECT_THAT(random.Choices(std::span<const int>(population), 10), ElementsAreArray(picked))
        << "seed " << seed;
  }
}

}  // namespace
}  // namespace tessera::bench
