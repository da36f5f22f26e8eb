#include "engine/tokenizer/byte_level.h"

#include <array>

namespace tessera::tokenizer {
namespace {

// The bytes that are printable Latin-1 stand for themselves; the others, in
// order, for U+0100 onwards.
constexpr bool StandsForItself(unsigned value) {
  return (value >= 0x21u && value <= 0x7Eu) || (value >= 0xA1u && value <= 0xACu) ||
         (value >= 0xAEu && value <= 0xFFu);
}

struct Alphabet {
  std::array<std::string, 256> utf8_of_byte;
  // Indexed by code point; -1 where the code point is not in the alphabet.
  std::array<int, 0x200> byte_of_code_point{};
};

std::string EncodeUtf8(unsigned code_point) {
  std::string utf8;
  if (code_point < 0x80u) {
    utf8.push_back(static_cast<char>(code_point));
  } else {
    utf8.push_back(static_cast<char>(0xC0u | (code_point >> 6u)));
    utf8.push_back(static_cast<char>(0x80u | (code_point & 0x3Fu)));
  }
  return utf8;
}

const Alphabet& TheAlphabet() {
  static const Alphabet kAlphabet = [] {
    Alphabet built;
    built.byte_of_code_point.fill(-1);
    unsigned next_extra = 0x100u;
    for (unsigned value = 0; value < 256u; ++value) {
      const unsigned code_point = StandsForItself(value) ? value : next_extra++;
      built.utf8_of_byte[value] = EncodeUtf8(code_point);
      built.byte_of_code_point[code_point] = static_cast<int>(value);
    }
    return built;
  }();
  return kAlphabet;
}

}  // namespace

std::string_view ByteLevelCharacter(uint8_t byte) { return TheAlphabet().utf8_of_byte[byte]; }

std::string ToByteLevel(std::string_view bytes) {
  const Alphabet& alphabet = TheAlphabet();
  std::string text;
  text.reserve(bytes.size() * 2);
  for (const char c : bytes) text += alphabet.utf8_of_byte[static_cast<unsigned char>(c)];
  return text;
}

std::optional<std::string> FromByteLevel(std::string_view token) {
  const Alphabet& alphabet = TheAlphabet();
  std::string bytes;
  bytes.reserve(token.size());
  size_t at = 0;
  while (at < token.size()) {
    const auto lead = static_cast<unsigned char>(token[at]);
    unsigned code_point = 0;
    if (lead < 0x80u) {
      code_point = lead;
      at += 1;
    } else if ((lead & 0xE0u) == 0xC0u && at + 1 < token.size()) {
      const auto next = static_cast<unsigned char>(token[at + 1]);
      if ((next & 0xC0u) != 0x80u) return std::nullopt;
      code_point = ((lead & 0x1Fu) << 6u) | (next & 0x3Fu);
      at += 2;
    } else {
      return std::nullopt;  // Three- and four-byte code points are all outside.
    }
    if (code_point >= alphabet.byte_of_code_point.size()) return std::nullopt;
    const int byte = alphabet.byte_of_code_point[code_point];
    if (byte < 0) return std::nullopt;
    bytes.push_back(static_cast<char>(byte));
  }
  return bytes;
}

}  // namespace tessera::tokenizer
