#include "base/json_to_yaml.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "base/yaml_core_schema.h"

namespace tessera {
namespace {

bool IsControl(unsigned char byte) { return byte < 0x20 || byte == 0x7f; }

// Characters that YAML treats as line breaks or that editors hide: C1
// controls (NEL among them), U+2028, U+2029 and the byte order mark. Returns
// the length of the UTF-8 sequence at `position` when it is one, else 0.
size_t SpecialUnicodeLength(std::string_view text, size_t position) {
  const auto byte = [&](size_t offset) {
    return position + offset < text.size() ? static_cast<unsigned char>(text[position + offset])
                                           : 0;
  };
  if (byte(0) == 0xc2 && byte(1) >= 0x80 && byte(1) <= 0x9f) return 2;
  if (byte(0) == 0xe2 && byte(1) == 0x80 && (byte(2) == 0xa8 || byte(2) == 0xa9)) return 3;
  if (byte(0) == 0xef && byte(1) == 0xbb && byte(2) == 0xbf) return 3;
  return 0;
}

bool HasSpecialCharacters(std::string_view text, bool allow_newline) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (IsControl(byte) && (!allow_newline || text[i] != '\n')) return true;
    if (SpecialUnicodeLength(text, i) != 0) return true;
  }
  return false;
}

// Whether `text` can be written without quotes and read back as the same
// string. Deliberately stricter than YAML requires: quoting a string that did
// not need it costs two characters, the opposite costs a wrong value.
bool CanBePlain(std::string_view text) {
  if (text.empty() || !ResolvePlainScalar(text).is_string()) return false;
  constexpr std::string_view kIndicators = "-?:,[]{}#&*!|>'\"%@`";
  if (kIndicators.find(text.front()) != std::string_view::npos) {
    // "-x" is common (command-line flags) and unambiguous; "- x", "-" and
    // "---" are not.
    if (text.front() != '-' || text.size() < 2 || text[1] == ' ' || text.starts_with("---")) {
      return false;
    }
  }
  if (text.starts_with("...")) return false;
  if (text.front() == ' ' || text.back() == ' ' || text.back() == ':') return false;
  if (text.find(": ") != std::string_view::npos || text.find(" #") != std::string_view::npos) {
    return false;
  }
  return !HasSpecialCharacters(text, /*allow_newline=*/false);
}

// Whether a multi-line string reads back exactly from a literal block (|).
// yaml-cpp writes no chomping indicator, so the block "clips": it reads back
// with exactly one newline at its end, which the string must have (and which
// is left out of what the emitter is given). Also excluded is what the block
// would alter or could not express: leading blanks on the first line (they
// would set the indentation), blank-ended lines (stripped by tools), and
// special characters.
bool CanBeLiteralBlock(std::string_view text) {
  if (text.size() < 2 || text.back() != '\n' || text[text.size() - 2] == '\n') return false;
  if (text.front() == ' ' || text.front() == '\n') return false;
  if (HasSpecialCharacters(text, /*allow_newline=*/true)) return false;
  size_t line_start = 0;
  while (line_start < text.size()) {
    size_t line_end = text.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = text.size();
    const std::string_view line = text.substr(line_start, line_end - line_start);
    if (!line.empty() && line.back() == ' ') return false;
    line_start = line_end + 1;
  }
  return true;
}

// Shortest text that reads back as the same double, always in a form the
// core schema reads as a float rather than an integer ("1.0", not "1").
// yaml-cpp's own formatting of doubles writes 1.0 as "1".
std::string FormatDouble(double value) {
  if (std::isnan(value)) return ".nan";
  if (std::isinf(value)) return value > 0 ? ".inf" : "-.inf";
  std::array<char, 64> buffer{};
  const std::to_chars_result result =
      std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  std::string text(buffer.data(), result.ptr);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

// yaml-cpp chooses plain style for a string it can write plain; its test
// is looser than CanBePlain() (it would write "true" or "123" bare), so a
// string CanBePlain() rejects is double-quoted explicitly. In a string with
// characters that would be invisible or break the line, those are escaped,
// and with them (yaml-cpp escapes the one only with the other) every
// non-ASCII character of that string.
void EmitString(std::string_view text, YAML::Emitter& out) {
  if (!CanBePlain(text)) out << YAML::DoubleQuoted;
  if (HasSpecialCharacters(text, /*allow_newline=*/true)) out << YAML::EscapeNonAscii;
  out << std::string(text);
}

template <typename Json>
void Emit(const Json& value, YAML::Emitter& out) {
  switch (value.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded:
      out << YAML::Null;
      return;
    case Json::value_t::boolean:
      out << value.template get<bool>();
      return;
    case Json::value_t::number_integer:
      out << value.template get<int64_t>();
      return;
    case Json::value_t::number_unsigned:
      out << value.template get<uint64_t>();
      return;
    case Json::value_t::number_float:
      // A valid plain scalar, which yaml-cpp writes as it is.
      out << FormatDouble(value.template get<double>());
      return;
    case Json::value_t::string: {
      const auto& text = value.template get_ref<const std::string&>();
      if (CanBeLiteralBlock(text)) {
        out << YAML::Literal << text.substr(0, text.size() - 1);
      } else {
        EmitString(text, out);
      }
      return;
    }
    case Json::value_t::binary:
      out << YAML::Flow << YAML::BeginSeq;
      for (const uint8_t byte : value.get_binary()) out << static_cast<int>(byte);
      out << YAML::EndSeq;
      return;
    case Json::value_t::object:
      // Empty collections in flow style ({}), which block style cannot write.
      if (value.empty()) out << YAML::Flow;
      out << YAML::BeginMap;
      for (const auto& entry : value.items()) {
        // yaml-cpp writes a key too long to be implicit (over 1024
        // characters) in the explicit "? key" form.
        out << YAML::Key;
        EmitString(entry.key(), out);
        out << YAML::Value;
        Emit(entry.value(), out);
      }
      out << YAML::EndMap;
      return;
    case Json::value_t::array:
      if (value.empty()) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const Json& item : value) Emit(item, out);
      out << YAML::EndSeq;
      return;
  }
}

template <typename Json>
std::string WriteYaml(const Json& value) {
  YAML::Emitter out;
  out.SetNullFormat(YAML::LowerNull);
  Emit(value, out);
  // yaml-cpp does not throw; it reports misuse (an unbalanced map or
  // sequence) through good(), and Emit() ends what it begins.
  return std::string(out.c_str(), out.size()) + "\n";
}

}  // namespace

std::string JsonToYaml(const nlohmann::json& value) { return WriteYaml(value); }

std::string JsonToYaml(const nlohmann::ordered_json& value) { return WriteYaml(value); }

}  // namespace tessera
