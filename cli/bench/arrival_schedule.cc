#include "cli/bench/arrival_schedule.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "cli/bench/numpy_legacy_random.h"

namespace tessera::bench {

StatusOr<std::vector<double>> ArrivalOffsets(int64_t count, double request_rate, double burstiness,
                                             uint64_t seed) {
  if (!(request_rate > 0)) {
    return InvalidArgumentError("--request-rate: must be positive (or inf), got " +
                                std::to_string(request_rate));
  }
  if (!(burstiness > 0) || std::isinf(burstiness)) {
    return InvalidArgumentError("--burstiness: must be a positive number, got " +
                                std::to_string(burstiness));
  }
  if (seed > std::numeric_limits<uint32_t>::max()) {
    return InvalidArgumentError(
        "--seed: must be at most 4294967295 (numpy's limit, which vLLM's "
        "and SGLang's clients share), got " +
        std::to_string(seed));
  }
  std::vector<double> offsets(static_cast<size_t>(std::max<int64_t>(count, 0)), 0.0);
  if (std::isinf(request_rate)) return offsets;
  NumpyLegacyRandom random(static_cast<uint32_t>(seed));
  // vLLM draws gamma(burstiness, scale); SGLang draws exponential(1 / rate),
  // which at burstiness 1 is the same number.
  const double scale = 1.0 / (request_rate * burstiness);
  for (size_t i = 1; i < offsets.size(); ++i) {
    offsets[i] = offsets[i - 1] + scale * random.StandardGamma(burstiness);
  }
  return offsets;
}

}  // namespace tessera::bench
