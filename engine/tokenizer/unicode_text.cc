#include "engine/tokenizer/unicode_text.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

namespace tessera::tokenizer {
namespace {

// The length of the well-formed UTF-8 sequence at `at`, or the length of the
// maximal ill-formed prefix there as a negative number.
int SequenceLengthAt(std::string_view text, size_t at) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  if (lead < 0x80u) return 1;
  int length = 0;
  unsigned char low = 0x80u;
  unsigned char high = 0xBFu;
  if (lead >= 0xC2u && lead <= 0xDFu) {
    length = 2;
  } else if (lead >= 0xE0u && lead <= 0xEFu) {
    length = 3;
    if (lead == 0xE0u) low = 0xA0u;
    if (lead == 0xEDu) high = 0x9Fu;
  } else if (lead >= 0xF0u && lead <= 0xF4u) {
    length = 4;
    if (lead == 0xF0u) low = 0x90u;
    if (lead == 0xF4u) high = 0x8Fu;
  } else {
    return -1;
  }
  for (int i = 1; i < length; ++i) {
    const size_t position = at + static_cast<size_t>(i);
    if (position >= text.size()) return -i;
    const unsigned char next = byte(position);
    const unsigned char lower = i == 1 ? low : static_cast<unsigned char>(0x80u);
    const unsigned char upper = i == 1 ? high : static_cast<unsigned char>(0xBFu);
    if (next < lower || next > upper) return -i;
  }
  return length;
}

const UNormalizer2* NormalizerFor(NormalizationForm form, UErrorCode* error) {
  switch (form) {
    case NormalizationForm::kNfc:
      return unorm2_getNFCInstance(error);
    case NormalizationForm::kNfd:
      return unorm2_getNFDInstance(error);
    case NormalizationForm::kNfkc:
      return unorm2_getNFKCInstance(error);
    case NormalizationForm::kNfkd:
      return unorm2_getNFKDInstance(error);
  }
  return nullptr;
}

// U_FAILURE, without its UBool.
bool Failed(UErrorCode error) { return error > U_ZERO_ERROR; }

bool IsWhiteSpace(UChar32 c) { return c >= 0 && u_hasBinaryProperty(c, UCHAR_WHITE_SPACE) != 0; }

bool IsWordCharacter(UChar32 c) {
  if (c < 0) return false;
  if (u_hasBinaryProperty(c, UCHAR_ALPHABETIC) != 0) return true;
  if (u_hasBinaryProperty(c, UCHAR_JOIN_CONTROL) != 0) return true;
  switch (u_charType(c)) {
    case U_NON_SPACING_MARK:
    case U_COMBINING_SPACING_MARK:
    case U_ENCLOSING_MARK:
    case U_DECIMAL_DIGIT_NUMBER:
    case U_CONNECTOR_PUNCTUATION:
      return true;
    default:
      return false;
  }
}

// The code point of the well-formed sequence at `begin`, `length` bytes.
UChar32 DecodeAt(std::string_view text, size_t begin, size_t length) {
  const auto byte = [&](size_t i) {
    return static_cast<uint32_t>(static_cast<unsigned char>(text[i]));
  };
  if (length == 1) return static_cast<UChar32>(byte(begin));
  uint32_t value = byte(begin) & (0x7Fu >> length);
  for (size_t i = 1; i < length; ++i) value = (value << 6u) | (byte(begin + i) & 0x3Fu);
  return static_cast<UChar32>(value);
}

// The code point before `*end` in valid UTF-8 `text`, moving `*end` to
// where it begins.
UChar32 CodePointBefore(std::string_view text, size_t* end) {
  size_t begin = *end - 1;
  while (begin > 0 && (static_cast<unsigned char>(text[begin]) & 0xC0u) == 0x80u) --begin;
  const UChar32 c = DecodeAt(text, begin, *end - begin);
  *end = begin;
  return c;
}

// The code point at `*begin` in valid UTF-8 `text`, moving `*begin` past it.
UChar32 CodePointAt(std::string_view text, size_t* begin) {
  const auto lead = static_cast<unsigned char>(text[*begin]);
  size_t length = 1;
  if (lead >= 0xF0u) {
    length = 4;
  } else if (lead >= 0xE0u) {
    length = 3;
  } else if (lead >= 0xC0u) {
    length = 2;
  }
  length = std::min(length, text.size() - *begin);
  const UChar32 c = DecodeAt(text, *begin, length);
  *begin += length;
  return c;
}

}  // namespace

size_t TrailingWhiteSpaceStart(std::string_view text) {
  size_t start = text.size();
  while (start > 0) {
    size_t before = start;
    if (!IsWhiteSpace(CodePointBefore(text, &before))) break;
    start = before;
  }
  return start;
}

size_t LeadingWhiteSpaceLength(std::string_view text) {
  size_t length = 0;
  while (length < text.size()) {
    size_t after = length;
    if (!IsWhiteSpace(CodePointAt(text, &after))) break;
    length = after;
  }
  return length;
}

bool StartsWithWordCharacter(std::string_view text) {
  if (text.empty()) return false;
  size_t begin = 0;
  return IsWordCharacter(CodePointAt(text, &begin));
}

bool EndsWithWordCharacter(std::string_view text) {
  if (text.empty()) return false;
  size_t end = text.size();
  return IsWordCharacter(CodePointBefore(text, &end));
}

bool IsAscii(std::string_view text) {
  return std::ranges::all_of(text,
                             [](char c) { return (static_cast<unsigned char>(c) & 0x80u) == 0; });
}

bool IsValidUtf8(std::string_view text) {
  size_t at = 0;
  while (at < text.size()) {
    if (static_cast<unsigned char>(text[at]) < 0x80u) {
      ++at;
      continue;
    }
    const int length = SequenceLengthAt(text, at);
    if (length < 0) return false;
    at += static_cast<size_t>(length);
  }
  return true;
}

std::string ToValidUtf8(std::string_view text) {
  if (IsValidUtf8(text)) return std::string(text);
  std::string valid;
  valid.reserve(text.size() + 8);
  size_t at = 0;
  while (at < text.size()) {
    const int length = SequenceLengthAt(text, at);
    if (length > 0) {
      valid.append(text.substr(at, static_cast<size_t>(length)));
      at += static_cast<size_t>(length);
    } else {
      valid.append("\xEF\xBF\xBD");
      at += static_cast<size_t>(-length);
    }
  }
  return valid;
}

std::string Normalize(NormalizationForm form, std::string_view text) {
  if (IsAscii(text)) return std::string(text);
  UErrorCode error = U_ZERO_ERROR;
  const UNormalizer2* normalizer = NormalizerFor(form, &error);
  if (Failed(error) || normalizer == nullptr) return std::string(text);

  // UTF-16 never has more code units than UTF-8 has bytes.
  std::vector<UChar> utf16(text.size() + 1);
  int32_t utf16_length = 0;
  u_strFromUTF8(utf16.data(), static_cast<int32_t>(utf16.size()), &utf16_length, text.data(),
                static_cast<int32_t>(text.size()), &error);
  if (Failed(error)) return std::string(text);

  // Decomposition can grow text (by at most a factor of 18 in Unicode's own
  // bound for NFKD); ICU says how much room it needs when the first guess is
  // short.
  std::vector<UChar> normalized(static_cast<size_t>(utf16_length) * 2 + 16);
  int32_t normalized_length =
      unorm2_normalize(normalizer, utf16.data(), utf16_length, normalized.data(),
                       static_cast<int32_t>(normalized.size()), &error);
  if (error == U_BUFFER_OVERFLOW_ERROR) {
    error = U_ZERO_ERROR;
    normalized.resize(static_cast<size_t>(normalized_length) + 1);
    normalized_length = unorm2_normalize(normalizer, utf16.data(), utf16_length, normalized.data(),
                                         static_cast<int32_t>(normalized.size()), &error);
  }
  if (Failed(error)) return std::string(text);

  std::string utf8(static_cast<size_t>(normalized_length) * 3 + 1, '\0');
  int32_t utf8_length = 0;
  u_strToUTF8(utf8.data(), static_cast<int32_t>(utf8.size()), &utf8_length, normalized.data(),
              normalized_length, &error);
  if (Failed(error)) return std::string(text);
  utf8.resize(static_cast<size_t>(utf8_length));
  return utf8;
}

}  // namespace tessera::tokenizer
