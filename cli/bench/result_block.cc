#include "cli/bench/result_block.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace tessera::bench {

std::string ResultBlockRule(const std::string& text, char fill) {
  const int padding = std::max(0, kResultBlockWidth - static_cast<int>(text.size()));
  return std::string(static_cast<size_t>(padding / 2), fill) + text +
         std::string(static_cast<size_t>(padding - padding / 2), fill) + "\n";
}

std::string ResultBlockLine(const std::string& label, const std::string& value) {
  std::array<char, 256> text{};
  std::snprintf(text.data(), text.size(), "%-40s %-10s\n", label.c_str(), value.c_str());
  return text.data();
}

std::string ResultBlockLine(const std::string& label, double value) {
  std::array<char, 64> number{};
  std::snprintf(number.data(), number.size(), "%.2f", value);
  return ResultBlockLine(label, std::string(number.data()));
}

}  // namespace tessera::bench
