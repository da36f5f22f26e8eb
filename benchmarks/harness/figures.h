// Numbers as the benchmarks' tables print them.

#ifndef TESSERA_BENCHMARKS_HARNESS_FIGURES_H_
#define TESSERA_BENCHMARKS_HARNESS_FIGURES_H_

#include <optional>
#include <string>

namespace tessera::bench {

// `value` with `decimals` digits after the point: Fixed(2.345, 1) is "2.3".
std::string Fixed(double value, int decimals);

// Whole, with thousands separated: 12345.6 is "12,346".
std::string Grouped(double value);

// A fraction as a whole percentage: 0.674 is "67 %"; nullopt is "-".
std::string Percent(const std::optional<double>& fraction);

}  // namespace tessera::bench

#endif  // TESSERA_BENCHMARKS_HARNESS_FIGURES_H_
