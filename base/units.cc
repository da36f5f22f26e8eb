#include "base/units.h"

#include <algorithm>
#include <array>
#include <limits>
#include <optional>
#include <ranges>

#include "base/strings.h"

namespace tessera {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string_view TrimBlanks(std::string_view text) {
  while (!text.empty() && IsBlank(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsBlank(text.back())) text.remove_suffix(1);
  return text;
}

// A non-negative decimal number kept as its digits, so that scaling it by a
// unit is exact: value = digits / 10^fraction_digits.
struct DecimalNumber {
  std::string digits;
  size_t fraction_digits = 0;
};

// Consumes [0-9]*(.[0-9]*)? from the front of `text` when it holds at least
// one digit; otherwise consumes nothing and returns nullopt.
std::optional<DecimalNumber> ConsumeDecimal(std::string_view& text) {
  DecimalNumber number;
  size_t position = 0;
  while (position < text.size() && IsDigit(text[position])) number.digits += text[position++];
  if (position < text.size() && text[position] == '.') {
    ++position;
    while (position < text.size() && IsDigit(text[position])) {
      number.digits += text[position++];
      ++number.fraction_digits;
    }
  }
  if (number.digits.empty()) return std::nullopt;
  text.remove_prefix(position);
  return number;
}

// Returns round(number * factor), halves up, or nullopt when that exceeds
// `limit`. Multiplies the decimal digits by `factor` exactly and only then
// drops the fraction, so no input is subject to binary floating-point error.
// Precondition: factor <= 2^60, which keeps every intermediate in 64 bits.
std::optional<uint64_t> ScaleAndRound(const DecimalNumber& number, uint64_t factor,
                                      uint64_t limit) {
  // Schoolbook multiplication from the least significant digit; the carry
  // stays below `factor`, so digit * factor + carry < 10 * factor <= 2^64.
  std::string product;
  uint64_t carry = 0;
  for (size_t i = number.digits.size(); i-- > 0;) {
    const char digit = number.digits[i];
    const uint64_t partial = static_cast<uint64_t>(digit - '0') * factor + carry;
    product += static_cast<char>('0' + partial % 10);
    carry = partial / 10;
  }
  for (; carry != 0; carry /= 10) product += static_cast<char>('0' + carry % 10);
  std::reverse(product.begin(), product.end());

  const size_t integer_digits = product.size() - number.fraction_digits;
  uint64_t value = 0;
  for (size_t i = 0; i < integer_digits; ++i) {
    const auto digit = static_cast<uint64_t>(product[i] - '0');
    if (value > (limit - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  const bool round_up = number.fraction_digits > 0 && product[integer_digits] >= '5';
  if (round_up) {
    if (value == limit) return std::nullopt;
    ++value;
  }
  return value;
}

struct ByteUnit {
  std::string_view name;
  uint64_t bytes;
};

constexpr uint64_t kKilo = 1000;
constexpr uint64_t kKibi = 1024;

constexpr uint64_t Power(uint64_t base, int exponent) {
  uint64_t result = 1;
  for (int i = 0; i < exponent; ++i) result *= base;
  return result;
}

constexpr std::array<ByteUnit, 26> kByteUnits = {{
    {"B", 1},
    {"kB", Power(kKilo, 1)},
    {"KB", Power(kKilo, 1)},
    {"MB", Power(kKilo, 2)},
    {"GB", Power(kKilo, 3)},
    {"TB", Power(kKilo, 4)},
    {"PB", Power(kKilo, 5)},
    {"EB", Power(kKilo, 6)},
    {"KiB", Power(kKibi, 1)},
    {"MiB", Power(kKibi, 2)},
    {"GiB", Power(kKibi, 3)},
    {"TiB", Power(kKibi, 4)},
    {"PiB", Power(kKibi, 5)},
    {"EiB", Power(kKibi, 6)},
    {"k", Power(kKilo, 1)},
    {"M", Power(kKilo, 2)},
    {"G", Power(kKilo, 3)},
    {"T", Power(kKilo, 4)},
    {"P", Power(kKilo, 5)},
    {"E", Power(kKilo, 6)},
    {"Ki", Power(kKibi, 1)},
    {"Mi", Power(kKibi, 2)},
    {"Gi", Power(kKibi, 3)},
    {"Ti", Power(kKibi, 4)},
    {"Pi", Power(kKibi, 5)},
    {"Ei", Power(kKibi, 6)},
}};

constexpr std::string_view kValidByteUnits =
    "B, kB, KB, MB, GB, TB, PB, EB, KiB, MiB, GiB, TiB, PiB, EiB, k, M, G, T, P, E, "
    "Ki, Mi, Gi, Ti, Pi, Ei (units are case-sensitive, except that KiB to EiB may be written "
    "in any case)";

std::optional<uint64_t> LookUpByteUnit(std::string_view name) {
  if (name.empty()) return 1;
  for (const ByteUnit& unit : kByteUnits) {
    if (unit.name == name) return unit.bytes;
  }
  // The IEC spellings cannot be mistaken for anything else in any case, so
  // "gib" is as unambiguous as "GiB".
  const std::string lower = AsciiLower(name);
  for (const ByteUnit& unit : kByteUnits) {
    if (unit.name.size() == 3 && unit.name[1] == 'i' && AsciiLower(unit.name) == lower) {
      return unit.bytes;
    }
  }
  return std::nullopt;
}

struct DurationUnit {
  std::string_view name;
  uint64_t nanoseconds;
};

constexpr std::array<DurationUnit, 8> kDurationUnits = {{
    {"ns", 1},
    {"us", 1'000},
    {"\u00b5s", 1'000},  // Micro sign, as Go writes it.
    {"\u03bcs", 1'000},  // Greek small letter mu, which looks the same.
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"h", 3'600'000'000'000},
}};

constexpr std::string_view kValidDurationUnits = "ns, us, \u00b5s, ms, s, m, h";

// A unit is a run of letters. Non-ASCII bytes count as letters so that "µs"
// and "μs" are read whole, and any other non-ASCII unit is reported whole.
bool IsDurationUnitByte(char c) { return IsLetter(c) || static_cast<unsigned char>(c) >= 0x80; }

// Appends `value` / 10^`precision` with the fraction's trailing zeros (and a
// bare decimal point) dropped.
void AppendDecimal(uint64_t value, int precision, std::string& out) {
  uint64_t scale = 1;
  for (int i = 0; i < precision; ++i) scale *= 10;
  out += std::to_string(value / scale);
  std::string fraction = std::to_string(value % scale);
  fraction.insert(0, static_cast<size_t>(precision) - fraction.size(), '0');
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  if (!fraction.empty()) {
    out += '.';
    out += fraction;
  }
}

}  // namespace

StatusOr<uint64_t> ParseByteSize(std::string_view text) {
  std::string_view rest = TrimBlanks(text);
  if (rest.empty()) {
    return InvalidArgumentError("byte size " + Quote(text) +
                                " is empty; expected a number with an optional unit, "
                                "e.g. \"24GiB\"");
  }
  if (rest.front() == '-') {
    return InvalidArgumentError("byte size must not be negative: " + Quote(text));
  }
  if (rest.front() == '+') rest.remove_prefix(1);
  const std::optional<DecimalNumber> number = ConsumeDecimal(rest);
  if (!number) {
    return InvalidArgumentError("byte size " + Quote(text) +
                                " does not start with a number; expected e.g. \"24GiB\"");
  }
  rest = TrimBlanks(rest);
  size_t unit_length = 0;
  while (unit_length < rest.size() && IsLetter(rest[unit_length])) ++unit_length;
  const std::string_view unit_name = rest.substr(0, unit_length);
  const std::string_view trailing = TrimBlanks(rest.substr(unit_length));
  const std::optional<uint64_t> unit = LookUpByteUnit(unit_name);
  if (!unit) {
    return InvalidArgumentError("byte size " + Quote(text) + " has unknown unit " +
                                Quote(unit_name) +
                                "; valid units: " + std::string(kValidByteUnits));
  }
  if (!trailing.empty()) {
    return InvalidArgumentError("byte size " + Quote(text) + " has unexpected text " +
                                Quote(trailing) + " after the " +
                                (unit_name.empty() ? "number" : "unit"));
  }
  const std::optional<uint64_t> bytes =
      ScaleAndRound(*number, *unit, std::numeric_limits<uint64_t>::max());
  if (!bytes) {
    return InvalidArgumentError("byte size " + Quote(text) + " exceeds the maximum of " +
                                std::to_string(std::numeric_limits<uint64_t>::max()) + " bytes");
  }
  return *bytes;
}

StatusOr<std::chrono::nanoseconds> ParseDuration(std::string_view text) {
  std::string_view rest = TrimBlanks(text);
  if (rest.empty()) {
    return InvalidArgumentError("duration " + Quote(text) +
                                R"( is empty; expected e.g. "30s" or "1m30s")");
  }
  if (rest.front() == '-') {
    return InvalidArgumentError("duration must not be negative: " + Quote(text));
  }
  if (rest.front() == '+') rest.remove_prefix(1);
  // Zero is the same in every unit, so it alone may omit one.
  if (rest == "0") return std::chrono::nanoseconds::zero();

  constexpr auto kLimit = static_cast<uint64_t>(std::chrono::nanoseconds::max().count());
  uint64_t total = 0;
  while (!rest.empty()) {
    const std::string_view term = rest;
    const std::optional<DecimalNumber> number = ConsumeDecimal(rest);
    size_t unit_length = 0;
    while (unit_length < rest.size() && IsDurationUnitByte(rest[unit_length])) ++unit_length;
    const std::string_view unit_name = rest.substr(0, unit_length);
    if (!number && unit_length > 0) {
      return InvalidArgumentError("duration " + Quote(text) + " is missing a number before " +
                                  Quote(unit_name));
    }
    if (!number) {
      return InvalidArgumentError("duration " + Quote(text) + " has unexpected text " +
                                  Quote(term) + "; expected a number");
    }
    const std::string_view number_text = term.substr(0, term.size() - rest.size());
    if (unit_name.empty()) {
      if (rest.empty()) {
        return InvalidArgumentError(
            "duration " + Quote(text) + " is missing a unit after " + Quote(number_text) +
            "; valid units: " + std::string(kValidDurationUnits) + " (e.g. \"30s\")");
      }
      return InvalidArgumentError("duration " + Quote(text) + " has unexpected text " +
                                  Quote(rest) + " after " + Quote(number_text) +
                                  "; expected a unit: " + std::string(kValidDurationUnits));
    }
    const DurationUnit* unit = nullptr;
    for (const DurationUnit& candidate : kDurationUnits) {
      if (candidate.name == unit_name) unit = &candidate;
    }
    if (unit == nullptr) {
      return InvalidArgumentError("duration " + Quote(text) + " has unknown unit " +
                                  Quote(unit_name) +
                                  "; valid units: " + std::string(kValidDurationUnits));
    }
    rest.remove_prefix(unit_length);
    const std::optional<uint64_t> nanoseconds = ScaleAndRound(*number, unit->nanoseconds, kLimit);
    if (!nanoseconds || *nanoseconds > kLimit - total) {
      return InvalidArgumentError("duration " + Quote(text) + " exceeds the maximum of " +
                                  FormatDuration(std::chrono::nanoseconds::max()));
    }
    total += *nanoseconds;
  }
  return std::chrono::nanoseconds(static_cast<std::chrono::nanoseconds::rep>(total));
}

std::string FormatBytes(uint64_t bytes) {
  static constexpr std::array<std::string_view, 7> kUnits = {"B",   "KiB", "MiB", "GiB",
                                                             "TiB", "PiB", "EiB"};
  size_t exponent = 0;
  while (exponent + 1 < kUnits.size() && bytes >> (10 * (exponent + 1)) != 0) ++exponent;
  const uint64_t unit = uint64_t{1} << (10 * exponent);
  uint64_t whole = bytes / unit;
  const uint64_t remainder = bytes % unit;
  if (remainder == 0) return std::to_string(whole) + " " + std::string(kUnits[exponent]);

  // Rounds remainder / unit to hundredths, halves up. remainder * 100 can
  // exceed 64 bits for the largest units, so split off what `unit` (a power
  // of two) makes exact: remainder * 100 / unit == remainder * 25 / (unit / 4).
  const uint64_t quarter_unit = unit / 4;
  const uint64_t high = (remainder / quarter_unit) * 25;
  const uint64_t low = ((remainder % quarter_unit) * 25 + quarter_unit / 2) / quarter_unit;
  uint64_t hundredths = high + low;
  if (hundredths == 100) {
    hundredths = 0;
    ++whole;
  }
  if (whole == 1024 && exponent + 1 < kUnits.size()) {
    // 1023.995 KiB and up would print as "1024.00 KiB"; say "1.00 MiB".
    whole = 1;
    ++exponent;
  }
  std::string text = std::to_string(whole) + ".";
  text += static_cast<char>('0' + hundredths / 10);
  text += static_cast<char>('0' + hundredths % 10);
  text += ' ';
  text += kUnits[exponent];
  return text;
}

std::string FormatDuration(std::chrono::nanoseconds duration) {
  const int64_t count = duration.count();
  if (count == 0) return "0s";
  std::string text;
  if (count < 0) text += '-';
  // The magnitude, computed in unsigned arithmetic so that the most negative
  // count does not overflow.
  const uint64_t magnitude =
      count < 0 ? uint64_t{0} - static_cast<uint64_t>(count) : static_cast<uint64_t>(count);

  constexpr uint64_t kMicrosecond = 1'000;
  constexpr uint64_t kMillisecond = 1'000'000;
  constexpr uint64_t kSecond = 1'000'000'000;
  if (magnitude < kMicrosecond) {
    text += std::to_string(magnitude) + "ns";
  } else if (magnitude < kMillisecond) {
    AppendDecimal(magnitude, 3, text);
    text += "us";
  } else if (magnitude < kSecond) {
    AppendDecimal(magnitude, 6, text);
    text += "ms";
  } else {
    const uint64_t total_seconds = magnitude / kSecond;
    const uint64_t hours = total_seconds / 3600;
    const uint64_t minutes = total_seconds / 60 % 60;
    if (hours > 0) text += std::to_string(hours) + "h";
    if (hours > 0 || minutes > 0) text += std::to_string(minutes) + "m";
    AppendDecimal(total_seconds % 60 * kSecond + magnitude % kSecond, 9, text);
    text += 's';
  }
  return text;
}

}  // namespace tessera
