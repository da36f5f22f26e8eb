#include "cli/bench/arrival_schedule.h"

#include <cmath>
#include <random>
#include <string>

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
  std::vector<double> offsets(static_cast<size_t>(std::max<int64_t>(count, 0)), 0.0);
  if (std::isinf(request_rate)) return offsets;
  std::mt19937_64 random(seed);
  std::gamma_distribution<double> gap(burstiness, 1.0 / (request_rate * burstiness));
  for (size_t i = 1; i < offsets.size(); ++i) offsets[i] = offsets[i - 1] + gap(random);
  return offsets;
}

}  // namespace tessera::bench
