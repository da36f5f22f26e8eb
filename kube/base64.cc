#include "kube/base64.h"

#include <array>
#include <cstdint>

namespace tessera::kube {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr int kInvalid = -1;

constexpr std::array<int, 256> MakeDecodeTable() {
  std::array<int, 256> table{};
  for (int& entry : table) entry = kInvalid;
  for (size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int>(i);
  }
  return table;
}

constexpr std::array<int, 256> kDecodeTable = MakeDecodeTable();

}  // namespace

StatusOr<std::string> DecodeBase64(std::string_view text) {
  std::string decoded;
  decoded.reserve(text.size() / 4 * 3);
  uint32_t quantum = 0;
  int sextets = 0;  // in the current quantum
  int padding = 0;  // '=' seen so far; only more '=' and line breaks may follow
  for (size_t offset = 0; offset < text.size(); ++offset) {
    const char c = text[offset];
    if (c == '\r' || c == '\n') continue;
    if (c == '=') {
      // Padding completes a quantum that holds two or three sextets.
      if (sextets + padding < 2) {
        return InvalidArgumentError("not valid base64: unexpected '=' at offset " +
                                    std::to_string(offset));
      }
      ++padding;
      if (sextets + padding > 4) {
        return InvalidArgumentError("not valid base64: too much padding at offset " +
                                    std::to_string(offset));
      }
      continue;
    }
    const int value = kDecodeTable[static_cast<unsigned char>(c)];
    if (value == kInvalid) {
      return InvalidArgumentError("not valid base64: unexpected character at offset " +
                                  std::to_string(offset));
    }
    if (padding > 0) {
      return InvalidArgumentError("not valid base64: data after padding at offset " +
                                  std::to_string(offset));
    }
    quantum = (quantum << 6U) | static_cast<uint32_t>(value);
    if (++sextets == 4) {
      decoded.push_back(static_cast<char>((quantum >> 16U) & 0xFFU));
      decoded.push_back(static_cast<char>((quantum >> 8U) & 0xFFU));
      decoded.push_back(static_cast<char>(quantum & 0xFFU));
      quantum = 0;
      sextets = 0;
    }
  }
  if (sextets == 0 && padding == 0) return decoded;
  if (sextets + padding != 4) {
    return InvalidArgumentError("not valid base64: length is not a multiple of 4");
  }
  // Two sextets carry one byte, three carry two; the unused low bits must be
  // zero in canonical encodings, but Go's StdEncoding accepts either, so do we.
  if (sextets == 2) {
    decoded.push_back(static_cast<char>((quantum >> 4U) & 0xFFU));
  } else {
    decoded.push_back(static_cast<char>((quantum >> 10U) & 0xFFU));
    decoded.push_back(static_cast<char>((quantum >> 2U) & 0xFFU));
  }
  return decoded;
}

std::string EncodeBase64(std::string_view bytes) {
  std::string encoded;
  encoded.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t quantum = (uint32_t{static_cast<unsigned char>(bytes[i])} << 16U) |
                             (uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8U) |
                             uint32_t{static_cast<unsigned char>(bytes[i + 2])};
    encoded.push_back(kAlphabet[(quantum >> 18U) & 0x3FU]);
    encoded.push_back(kAlphabet[(quantum >> 12U) & 0x3FU]);
    encoded.push_back(kAlphabet[(quantum >> 6U) & 0x3FU]);
    encoded.push_back(kAlphabet[quantum & 0x3FU]);
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t quantum = uint32_t{static_cast<unsigned char>(bytes[i])} << 16U;
    if (rest == 2) quantum |= uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8U;
    encoded.push_back(kAlphabet[(quantum >> 18U) & 0x3FU]);
    encoded.push_back(kAlphabet[(quantum >> 12U) & 0x3FU]);
    encoded.push_back(rest == 2 ? kAlphabet[(quantum >> 6U) & 0x3FU] : '=');
    encoded.push_back('=');
  }
  return encoded;
}

}  // namespace tessera::kube
