#include "benchmarks/harness/figures.h"

#include <array>
#include <cstdio>

namespace tessera::bench {

std::string Fixed(double value, int decimals) {
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%.*f", decimals, value);
  return text.data();
}

std::string Grouped(double value) {
  const std::string digits = Fixed(value, 0);
  const size_t sign = digits.starts_with('-') ? 1 : 0;
  std::string grouped = digits.substr(0, sign);
  for (size_t at = sign; at < digits.size(); ++at) {
    if (at > sign && (digits.size() - at) % 3 == 0) grouped += ',';
    grouped += digits[at];
  }
  return grouped;
}

std::string Percent(const std::optional<double>& fraction) {
  return fraction ? Fixed(100 * *fraction, 0) + " %" : "-";
}

}  // namespace tessera::bench
