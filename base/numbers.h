// Strict integer parsing for flags, query parameters and file contents:
// the whole text must be an integer that fits the type. Unlike std::stoi,
// "12abc", " 12", "+12" and "" are errors, and nothing throws.

#ifndef TESSERA_BASE_NUMBERS_H_
#define TESSERA_BASE_NUMBERS_H_

#include <charconv>
#include <concepts>
#include <optional>
#include <string_view>

namespace tessera {

// The value of `text` ("-7", "8470"; in base 16 "1f" or "1F"), or nullopt
// when `text` is anything but an optional '-' (for a signed T) and digits of
// `base`, or out of T's range. No prefix ("0x") is read: a caller that
// accepts one strips it and passes the base. Precondition: base is 2 to 36.
template <std::integral T>
std::optional<T> ParseInteger(std::string_view text, int base = 10) {
  T value{};
  const char* const end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value, base);
  if (text.empty() || error != std::errc() || stop != end) return std::nullopt;
  return value;
}

}  // namespace tessera

#endif  // TESSERA_BASE_NUMBERS_H_
