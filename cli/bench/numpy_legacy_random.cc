#include "cli/bench/numpy_legacy_random.h"

#include <cmath>

namespace tessera::bench {

double NumpyLegacyRandom::Uniform() {
  // 27 high bits of one word and 26 of the next make a 53-bit mantissa.
  // std::mt19937's result type is wider than its 32-bit words.
  const auto high = static_cast<double>(engine_() >> 5);
  const auto low = static_cast<double>(engine_() >> 6);
  return (high * 67108864.0 + low) / 9007199254740992.0;
}

double NumpyLegacyRandom::StandardExponential() { return -std::log(1.0 - Uniform()); }

double NumpyLegacyRandom::Gauss() {
  if (spare_gauss_) {
    const double kept = *spare_gauss_;
    spare_gauss_.reset();
    return kept;
  }
  double x = 0;
  double y = 0;
  double radius_squared = 0;
  do {
    x = 2.0 * Uniform() - 1.0;
    y = 2.0 * Uniform() - 1.0;
    radius_squared = x * x + y * y;
  } while (radius_squared >= 1.0 || radius_squared == 0.0);
  const double factor = std::sqrt(-2.0 * std::log(radius_squared) / radius_squared);
  spare_gauss_ = factor * x;
  return factor * y;
}

double NumpyLegacyRandom::StandardGamma(double shape) {
  if (shape == 1.0) return StandardExponential();
  if (shape < 1.0) {
    for (;;) {
      const double uniform = Uniform();
      const double exponential = StandardExponential();
      if (uniform <= 1.0 - shape) {
        const double candidate = std::pow(uniform, 1.0 / shape);
        if (candidate <= exponential) return candidate;
      } else {
        const double tail = -std::log((1 - uniform) / shape);
        const double candidate = std::pow(1.0 - shape + shape * tail, 1.0 / shape);
        if (candidate <= exponential + tail) return candidate;
      }
    }
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9 * d);
  for (;;) {
    double normal = 0;
    double cube = 0;
    do {
      normal = Gauss();
      cube = 1.0 + c * normal;
    } while (cube <= 0.0);
    cube = cube * cube * cube;
    const double uniform = Uniform();
    if (uniform < 1.0 - 0.0331 * (normal * normal) * (normal * normal)) return d * cube;
    if (std::log(uniform) < 0.5 * normal * normal + d * (1.0 - cube + std::log(cube))) {
      return d * cube;
    }
  }
}

}  // namespace tessera::bench
