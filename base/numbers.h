// Strict integer parsing for flags, query parameters and file contents:
// the whole text must be a base-10 integer that fits the type. Unlike
// std::stoi, "12abc", " 12", "+12" and "" are errors, and nothing throws.

#ifndef TESSERA_BASE_NUMBERS_H_
#define TESSERA_BASE_NUMBERS_H_

#include <charconv>
#include <concepts>
#include <optional>
#include <string_view>

namespace tessera {

// The value of `text` ("-7", "8470"), or nullopt when `text` is anything
// but an optional '-' and decimal digits, or out of T's range.
template <std::integral T>
std::optional<T> ParseInteger(std::string_view text) {
  T value{};
  const char* const end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || stop != end) return std::nullopt;
  return value;
}

}  // namespace tessera

#endif  // TESSERA_BASE_NUMBERS_H_
