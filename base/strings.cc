#include "base/strings.h"

namespace tessera {
namespace {

enum class Escapes {
  kHex,   // \xHH for every control character: short, and unambiguous in a message
  kJson,  // \n, \r, \t by name, \u00HH for the rest: what JSON parsers read
};

// `text` in double quotes with '"', '\\', control characters and DEL escaped.
std::string DoubleQuote(std::string_view text, Escapes escapes) {
  constexpr std::string_view kHexDigits = "0123456789abcdef";
  std::string quoted;
  quoted.reserve(text.size() + 2);
  quoted += '"';
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      quoted += '\\';
      quoted += c;
    } else if (byte >= 0x20 && byte != 0x7f) {
      quoted += c;
    } else if (escapes == Escapes::kJson && (c == '\n' || c == '\r' || c == '\t')) {
      quoted += '\\';
      quoted += c == '\n' ? 'n' : (c == '\r' ? 'r' : 't');
    } else {
      quoted += escapes == Escapes::kJson ? "\\u00" : "\\x";
      quoted += kHexDigits[byte >> 4];
      quoted += kHexDigits[byte & 0xf];
    }
  }
  quoted += '"';
  return quoted;
}

}  // namespace

std::string AsciiLower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

std::string AsciiUpper(std::string_view text) {
  std::string upper(text);
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return upper;
}

std::string_view TrimWhitespace(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

std::string Quote(std::string_view text) { return DoubleQuote(text, Escapes::kHex); }

std::string JsonQuote(std::string_view text) { return DoubleQuote(text, Escapes::kJson); }

std::string CountOf(int64_t count, std::string_view noun) {
  return std::to_string(count) + " " + std::string(noun) + (count == 1 ? "" : "s");
}

}  // namespace tessera
