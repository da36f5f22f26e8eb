#include "base/yaml_core_schema.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <string>
#include <system_error>

#include "base/numbers.h"

namespace tessera {
namespace {

using nlohmann::json;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsOctalDigit(char c) { return c >= '0' && c <= '7'; }
bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

template <typename Predicate>
bool AllOf(std::string_view text, Predicate predicate) {
  return std::ranges::all_of(text, predicate);
}

// Whether a decimal number that std::from_chars found out of range is huge
// (so infinite) rather than tiny (so zero): estimates its decimal exponent
// from the position of the first significant digit and the exponent part.
// Precondition: `text` matches the core float pattern without a sign.
bool IsHugeMagnitude(std::string_view text) {
  size_t position = 0;
  int64_t integer_digits = 0;
  int64_t leading_fraction_zeros = 0;
  bool significant = false;
  for (; position < text.size() && IsDigit(text[position]); ++position) {
    if (significant || text[position] != '0') {
      significant = true;
      ++integer_digits;
    }
  }
  if (position < text.size() && text[position] == '.') {
    for (++position; position < text.size() && IsDigit(text[position]); ++position) {
      if (!significant && text[position] == '0') {
        ++leading_fraction_zeros;
      } else {
        significant = true;
      }
    }
  }
  int64_t exponent = 0;
  if (position < text.size() && (text[position] == 'e' || text[position] == 'E')) {
    ++position;
    const bool negative = position < text.size() && text[position] == '-';
    if (position < text.size() && (text[position] == '-' || text[position] == '+')) ++position;
    // Saturates: any exponent beyond a billion settles the question.
    for (; position < text.size(); ++position) {
      exponent = std::min<int64_t>(exponent * 10 + (text[position] - '0'), 1'000'000'000);
    }
    if (negative) exponent = -exponent;
  }
  const int64_t magnitude =
      integer_digits > 0 ? integer_digits - 1 + exponent : exponent - leading_fraction_zeros - 1;
  return magnitude > 0;
}

// Digits in `base` to a JSON integer: int64 when it fits (so that values
// compare equal to those parsed from JSON), uint64 when only that fits, and
// beyond both a double, approximately, as JSON parsers do.
json UnsignedDigitsToJson(std::string_view digits, int base) {
  // Precondition: `digits` are all digits of `base`, so no value means too large.
  if (const std::optional<uint64_t> value = ParseInteger<uint64_t>(digits, base)) {
    if (*value <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return static_cast<int64_t>(*value);
    }
    return *value;
  }
  if (base == 10) return *ParseCoreFloat(digits);
  double approximate = 0;
  for (char c : digits) {
    const int digit = IsDigit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
    approximate = approximate * base + digit;
  }
  return approximate;
}

}  // namespace

bool IsCoreNull(std::string_view text) {
  return text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL";
}

std::optional<bool> ParseCoreBoolean(std::string_view text) {
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  return std::nullopt;
}

// [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?, or
// [-+]? \.(inf|Inf|INF), or \.(nan|NaN|NAN).
std::optional<double> ParseCoreFloat(std::string_view text) {
  if (text == ".nan" || text == ".NaN" || text == ".NAN") {
    return std::numeric_limits<double>::quiet_NaN();
  }
  std::string_view body = text;
  bool negative = false;
  if (!body.empty() && (body.front() == '-' || body.front() == '+')) {
    negative = body.front() == '-';
    body.remove_prefix(1);
  }
  if (body == ".inf" || body == ".Inf" || body == ".INF") {
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  size_t position = 0;
  size_t mantissa_digits = 0;
  for (; position < body.size() && IsDigit(body[position]); ++position) ++mantissa_digits;
  if (position < body.size() && body[position] == '.') {
    for (++position; position < body.size() && IsDigit(body[position]); ++position) {
      ++mantissa_digits;
    }
  }
  if (mantissa_digits == 0) return std::nullopt;
  if (position < body.size() && (body[position] == 'e' || body[position] == 'E')) {
    ++position;
    if (position < body.size() && (body[position] == '-' || body[position] == '+')) ++position;
    const size_t exponent_start = position;
    while (position < body.size() && IsDigit(body[position])) ++position;
    if (position == exponent_start) return std::nullopt;
  }
  if (position != body.size()) return std::nullopt;

  // std::from_chars rather than strtod: it ignores the C locale, which could
  // otherwise expect "1,5".
  double value = 0;
  const std::from_chars_result result =
      std::from_chars(body.data(), body.data() + body.size(), value);
  if (result.ec == std::errc::result_out_of_range) {
    value = IsHugeMagnitude(body) ? std::numeric_limits<double>::infinity() : 0.0;
  } else if (result.ec != std::errc() || result.ptr != body.data() + body.size()) {
    return std::nullopt;
  }
  return negative ? -value : value;
}

// [-+]? [0-9]+, or 0o [0-7]+, or 0x [0-9a-fA-F]+.
std::optional<json> ParseCoreInteger(std::string_view text) {
  if (text.size() > 2 && text.starts_with("0x") && AllOf(text.substr(2), IsHexDigit)) {
    return UnsignedDigitsToJson(text.substr(2), 16);
  }
  if (text.size() > 2 && text.starts_with("0o") && AllOf(text.substr(2), IsOctalDigit)) {
    return UnsignedDigitsToJson(text.substr(2), 8);
  }
  std::string_view digits = text;
  const bool negative = !digits.empty() && digits.front() == '-';
  if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) digits.remove_prefix(1);
  if (digits.empty() || !AllOf(digits, IsDigit)) return std::nullopt;
  if (!negative) return UnsignedDigitsToJson(digits, 10);
  if (const std::optional<int64_t> value = ParseInteger<int64_t>(text)) return *value;
  return *ParseCoreFloat(text);
}

// The type a plain scalar takes in the core schema.
json ResolvePlainScalar(std::string_view text) {
  if (IsCoreNull(text)) return nullptr;
  if (const std::optional<bool> boolean = ParseCoreBoolean(text)) return *boolean;
  if (std::optional<json> integer = ParseCoreInteger(text)) return std::move(*integer);
  if (const std::optional<double> number = ParseCoreFloat(text)) return *number;
  return std::string(text);
}

}  // namespace tessera
