// Summary statistics over samples, with the definitions benchmark users
// compare against (NumPy's: linear interpolation between closest ranks).

#ifndef TESSERA_BASE_STATISTICS_H_
#define TESSERA_BASE_STATISTICS_H_

#include <span>

namespace tessera {

// All return 0 for an empty sample, as vLLM's benchmark prints for a metric
// with no observations.
double Mean(std::span<const double> samples);
// Population standard deviation (NumPy's default, ddof = 0).
double StandardDeviation(std::span<const double> samples);
// `percentile` in [0, 100]; numpy.percentile's default "linear" method.
double Percentile(std::span<const double> samples, double percentile);
double Median(std::span<const double> samples);

}  // namespace tessera

#endif  // TESSERA_BASE_STATISTICS_H_
