#include "base/time_format.h"

#include <array>
#include <cstdio>

#include "base/numbers.h"
#include "base/strings.h"

namespace tessera {
namespace {

using std::chrono::system_clock;

std::string FormatSeconds(system_clock::time_point time) {
  const auto days = std::chrono::floor<std::chrono::days>(time);
  const std::chrono::year_month_day date{days};
  const std::chrono::hh_mm_ss clock{std::chrono::floor<std::chrono::seconds>(time - days)};
  std::array<char, 32> text{};
  const int length = std::snprintf(
      text.data(), text.size(), "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(date.year()),
      unsigned{date.month()}, unsigned{date.day()}, static_cast<int>(clock.hours().count()),
      static_cast<int>(clock.minutes().count()), static_cast<int>(clock.seconds().count()));
  return {text.data(), static_cast<size_t>(length)};
}

// `time` with `digits` fractional digits, `Unit` being 10^-digits seconds.
template <typename Unit>
std::string FormatWithFraction(system_clock::time_point time, int digits) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
  const auto fraction = std::chrono::floor<Unit>(time - seconds);
  std::array<char, 24> text{};
  std::snprintf(text.data(), text.size(), "%0*lld", digits,
                static_cast<long long>(fraction.count()));  // NOLINT(google-runtime-int)
  return FormatSeconds(time) + "." + text.data() + "Z";
}

// Reads exactly `digits` decimal digits at `text[position]`.
bool ReadNumber(std::string_view text, size_t& position, size_t digits, int& out) {
  if (position + digits > text.size()) return false;
  const std::optional<int> number = ParseInteger<int>(text.substr(position, digits));
  if (!number) return false;
  out = *number;
  position += digits;
  return true;
}

bool Expect(std::string_view text, size_t& position, char expected) {
  if (position >= text.size() || text[position] != expected) return false;
  ++position;
  return true;
}

}  // namespace

std::string FormatRfc3339(system_clock::time_point time) { return FormatSeconds(time) + "Z"; }

std::string FormatRfc3339Millis(system_clock::time_point time) {
  return FormatWithFraction<std::chrono::milliseconds>(time, 3);
}

std::string FormatRfc3339Micros(system_clock::time_point time) {
  return FormatWithFraction<std::chrono::microseconds>(time, 6);
}

StatusOr<system_clock::time_point> ParseRfc3339(std::string_view text) {
  const Status invalid =
      InvalidArgumentError("not an RFC 3339 time (like 2026-12-02T10:00:00Z): " + Quote(text));
  size_t position = 0;
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!ReadNumber(text, position, 4, year) || !Expect(text, position, '-') ||
      !ReadNumber(text, position, 2, month) || !Expect(text, position, '-') ||
      !ReadNumber(text, position, 2, day) ||
      !(Expect(text, position, 'T') || Expect(text, position, 't')) ||
      !ReadNumber(text, position, 2, hour) || !Expect(text, position, ':') ||
      !ReadNumber(text, position, 2, minute) || !Expect(text, position, ':') ||
      !ReadNumber(text, position, 2, second)) {
    return invalid;
  }
  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return invalid;
  std::chrono::nanoseconds fraction{0};
  if (position < text.size() && text[position] == '.') {
    ++position;
    int64_t scale = 100'000'000;
    const size_t first_digit = position;
    while (position < text.size() && text[position] >= '0' && text[position] <= '9') {
      fraction += std::chrono::nanoseconds((text[position] - '0') * scale);
      scale /= 10;
      ++position;
    }
    if (position == first_digit) return invalid;
  }
  std::chrono::minutes offset{0};
  if (position < text.size() && (text[position] == 'Z' || text[position] == 'z')) {
    ++position;
  } else if (position < text.size() && (text[position] == '+' || text[position] == '-')) {
    const bool west = text[position] == '-';
    ++position;
    int offset_hours = 0;
    int offset_minutes = 0;
    if (!ReadNumber(text, position, 2, offset_hours) || !Expect(text, position, ':') ||
        !ReadNumber(text, position, 2, offset_minutes)) {
      return invalid;
    }
    offset = std::chrono::hours(offset_hours) + std::chrono::minutes(offset_minutes);
    if (west) offset = -offset;
  } else {
    return invalid;
  }
  if (position != text.size()) return invalid;
  const system_clock::time_point local = std::chrono::sys_days{date} + std::chrono::hours(hour) +
                                         std::chrono::minutes(minute) +
                                         std::chrono::seconds(second);
  return std::chrono::time_point_cast<system_clock::duration>(local - offset + fraction);
}

}  // namespace tessera
