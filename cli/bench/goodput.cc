#include "cli/bench/goodput.h"

#include <cmath>
#include <cstdlib>

#include "base/strings.h"

namespace tessera::bench {

bool GoodputObjectives::Met(double ttft_ms_value, double tpot_ms_value,
                            double e2el_ms_value) const {
  return (!ttft_ms || ttft_ms_value <= *ttft_ms) && (!tpot_ms || tpot_ms_value <= *tpot_ms) &&
         (!e2el_ms || e2el_ms_value <= *e2el_ms);
}

StatusOr<GoodputObjectives> ParseGoodput(const std::vector<std::string>& entries) {
  GoodputObjectives objectives;
  for (const std::string& entry : entries) {
    const size_t colon = entry.find(':');
    const auto invalid = [&](const std::string& why) {
      return InvalidArgumentError("--goodput: " + Quote(entry) + " " + why);
    };
    if (colon == std::string::npos) return invalid("must be name:milliseconds, e.g. ttft:500");
    const std::string name = entry.substr(0, colon);
    const std::string number = entry.substr(colon + 1);
    char* end = nullptr;
    const double value = std::strtod(number.c_str(), &end);
    if (number.empty() || end != number.c_str() + number.size() || !std::isfinite(value) ||
        value <= 0) {
      return invalid("needs a positive number of milliseconds");
    }
    if (name == "ttft") {
      objectives.ttft_ms = value;
    } else if (name == "tpot") {
      objectives.tpot_ms = value;
    } else if (name == "e2el") {
      objectives.e2el_ms = value;
    } else {
      return invalid("names an unknown metric (ttft, tpot, e2el)");
    }
  }
  return objectives;
}

}  // namespace tessera::bench
