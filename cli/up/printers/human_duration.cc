#include "cli/up/printers/human_duration.h"

#include <cstdint>

#include "base/time_format.h"

namespace tessera::cli {

std::string HumanDuration(std::chrono::nanoseconds duration) {
  using std::chrono::duration_cast;
  const auto text = [](int64_t value, std::string_view unit) {
    return std::to_string(value) + std::string(unit);
  };
  const auto pair = [&](int64_t value, std::string_view unit, int64_t rest,
                        std::string_view rest_unit) {
    return rest == 0 ? text(value, unit) : text(value, unit) + text(rest, rest_unit);
  };
  constexpr int64_t kPerMinute = 60;  // seconds in a minute, minutes in an hour
  constexpr int64_t kHoursPerDay = 24;
  constexpr int64_t kDaysPerYear = 365;
  const int64_t seconds = duration_cast<std::chrono::seconds>(duration).count();
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 2 * kPerMinute) return text(seconds, "s");
  const int64_t minutes = seconds / kPerMinute;
  if (minutes < 10) return pair(minutes, "m", seconds % kPerMinute, "s");
  if (minutes < 3 * kPerMinute) return text(minutes, "m");
  const int64_t hours = minutes / kPerMinute;
  if (hours < 8) return pair(hours, "h", minutes % kPerMinute, "m");
  if (hours < 2 * kHoursPerDay) return text(hours, "h");
  const int64_t days = hours / kHoursPerDay;
  if (days < 8) return pair(days, "d", hours % kHoursPerDay, "h");
  if (days < 2 * kDaysPerYear) return text(days, "d");
  if (days < 8 * kDaysPerYear) return pair(days / kDaysPerYear, "y", days % kDaysPerYear, "d");
  return text(days / kDaysPerYear, "y");
}

std::string AgeSince(std::string_view time, std::chrono::system_clock::time_point now) {
  if (time.empty()) return "-";
  StatusOr<std::chrono::system_clock::time_point> since = ParseRfc3339(time);
  if (!since.ok()) return "-";
  return HumanDuration(now - *since);
}

}  // namespace tessera::cli
