// Small string helpers used across components.

#ifndef TESSERA_BASE_STRINGS_H_
#define TESSERA_BASE_STRINGS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace tessera {

// Lower-cases ASCII letters only; identifiers we compare are ASCII.
std::string AsciiLower(std::string_view text);
std::string AsciiUpper(std::string_view text);

// `text` without the spaces, tabs, carriage returns and newlines around it.
std::string_view TrimWhitespace(std::string_view text);

// Double-quotes `text` for an error message, escaping quotes, backslashes and
// control characters so that the quoted input is unambiguous and printable.
std::string Quote(std::string_view text);

// `text` as a JSON string literal, quotes included: '"' and '\\' escaped,
// newline, carriage return and tab as \n, \r and \t, the other control
// characters and DEL as \u00XX (so that the literal prints as one line of
// visible characters). Other bytes pass through: valid UTF-8 stays readable,
// and the caller must not pass invalid UTF-8 where a JSON parser will read it.
std::string JsonQuote(std::string_view text);

// "1 worker", "3 workers": a count and a noun that takes a plain "s".
std::string CountOf(int64_t count, std::string_view noun);

// Joins the elements of `parts` (anything iterable whose elements are
// integers, written in decimal, or convert to std::string_view) with
// `separator` between them: Join(std::vector<int>{0, 1}, ",") is "0,1".
template <typename Range>
std::string Join(const Range& parts, std::string_view separator) {
  std::string joined;
  bool first = true;
  for (const auto& part : parts) {
    if (!first) joined += separator;
    if constexpr (std::is_integral_v<std::remove_cvref_t<decltype(part)>>) {
      joined += std::to_string(part);
    } else {
      joined += std::string_view(part);
    }
    first = false;
  }
  return joined;
}

}  // namespace tessera

#endif  // TESSERA_BASE_STRINGS_H_
