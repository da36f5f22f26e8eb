// The draws of numpy's legacy global generator, value for value: after
// np.random.seed(n), the doubles of np.random.random_sample() and the gaps
// of np.random.exponential(scale) and np.random.gamma(shape, scale).
// vLLM's and SGLang's benchmark clients space their requests with those
// calls, so drawing the same way lets `tessera bench --seed n` send a
// workload on exactly their arrival schedule. The generator is MT19937
// seeded as the reference init_genrand (which std::mt19937 implements);
// the distributions follow numpy's legacy algorithms step for step, since
// any other order of arithmetic gives different numbers.

#ifndef TESSERA_CLI_BENCH_NUMPY_LEGACY_RANDOM_H_
#define TESSERA_CLI_BENCH_NUMPY_LEGACY_RANDOM_H_

#include <cstdint>
#include <optional>
#include <random>

namespace tessera::bench {

class NumpyLegacyRandom {
 public:
  // numpy accepts seeds from 0 to 2^32 - 1 only; callers check the range.
  explicit NumpyLegacyRandom(uint32_t seed) : engine_(seed) {}

  // random_sample(): uniform on [0, 1) with 53 random bits.
  double Uniform();
  // standard_exponential(), i.e. exponential(scale) / scale.
  double StandardExponential();
  // standard_gamma(shape) for shape > 0, i.e. gamma(shape, scale) / scale:
  // the exponential at shape 1, a rejection method below 1, and
  // Marsaglia and Tsang's method above it.
  double StandardGamma(double shape);

 private:
  // A standard normal by the polar method, which yields two at a time; the
  // second is kept for the next call, as numpy keeps it.
  double Gauss();

  std::mt19937 engine_;
  std::optional<double> spare_gauss_;
};

}  // namespace tessera::bench

#endif  // TESSERA_CLI_BENCH_NUMPY_LEGACY_RANDOM_H_
