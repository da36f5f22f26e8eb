// The draws of CPython's random module (3.11), value for value: after
// random.seed(n), the results of random(), getrandbits(k), shuffle(x) and
// choices(population, k=k). vLLM's and SGLang's benchmark clients pick
// their ShareGPT conversations with those calls, so drawing the same way
// lets `tessera bench --seed n` send the very prompts they send, in their
// order. The generator is MT19937; only the seeding is CPython's own
// (init_by_array over the seed's 32-bit words), and the derived draws
// follow Lib/random.py step for step, since any other use of the bits
// gives different picks.

#ifndef TESSERA_CLI_BENCH_PYTHON_RANDOM_H_
#define TESSERA_CLI_BENCH_PYTHON_RANDOM_H_

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <utility>
#include <vector>

namespace tessera::bench {

class PythonRandom {
 public:
  // random.seed(seed): any int seeds CPython's generator, so every uint64
  // does here, with the words CPython takes from it.
  explicit PythonRandom(uint64_t seed);

  // random(): uniform on [0, 1) with 53 random bits (genrand_res53).
  double Random();
  // getrandbits(bits) for 0 <= bits <= 64: the high bits of one 32-bit
  // draw up to 32, the low word drawn first above it.
  uint64_t GetRandBits(int bits);
  // _randbelow(n) for n > 0: getrandbits(n.bit_length()) drawn again until
  // it is below n.
  uint64_t RandBelow(uint64_t n);

  // shuffle(values): Fisher–Yates from the back, as random.shuffle swaps.
  template <typename T>
  void Shuffle(std::span<T> values) {
    for (size_t i = values.size(); i-- > 1;) {
      std::swap(values[i], values[static_cast<size_t>(RandBelow(i + 1))]);
    }
  }

  // choices(population, k=count) without weights: population[floor(random() * n)]
  // each time. Precondition: population is not empty.
  template <typename T>
  std::vector<T> Choices(std::span<const T> population, size_t count) {
    const auto size = static_cast<double>(population.size());
    std::vector<T> picked;
    picked.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      picked.push_back(population[static_cast<size_t>(std::floor(Random() * size))]);
    }
    return picked;
  }

 private:
  uint32_t NextWord();

  std::mt19937 engine_;
};

}  // namespace tessera::bench

#endif  // TESSERA_CLI_BENCH_PYTHON_RANDOM_H_
