#include "base/yaml_json.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <optional>
#include <system_error>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include "base/numbers.h"
#include "base/strings.h"

namespace tessera {
namespace {

using nlohmann::json;

constexpr std::string_view kCoreTagPrefix = "tag:yaml.org,2002:";
constexpr std::string_view kStringTag = "tag:yaml.org,2002:str";
constexpr std::string_view kIntegerTag = "tag:yaml.org,2002:int";
constexpr std::string_view kFloatTag = "tag:yaml.org,2002:float";
constexpr std::string_view kBooleanTag = "tag:yaml.org,2002:bool";
constexpr std::string_view kNullTag = "tag:yaml.org,2002:null";
constexpr std::string_view kMapTag = "tag:yaml.org,2002:map";
constexpr std::string_view kSequenceTag = "tag:yaml.org,2002:seq";
// yaml-cpp's tags for untagged nodes: "?" for plain scalars and collections,
// whose type the schema resolves, and "!" for quoted scalars, which are
// strings.
constexpr std::string_view kPlainTag = "?";
constexpr std::string_view kNonSpecificTag = "!";

constexpr std::string_view kSupportedTags = "!!str, !!int, !!float, !!bool, !!null, !!map, !!seq";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsOctalDigit(char c) { return c >= '0' && c <= '7'; }
bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

template <typename Predicate>
bool AllOf(std::string_view text, Predicate predicate) {
  return std::ranges::all_of(text, predicate);
}

// "!!int" for core-schema tags, which is how users write them.
std::string ShortTag(std::string_view tag) {
  if (tag.starts_with(kCoreTagPrefix)) return "!!" + std::string(tag.substr(kCoreTagPrefix.size()));
  return std::string(tag);
}

// ---- YAML 1.2 core schema -------------------------------------------------

bool IsCoreNull(std::string_view text) {
  return text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL";
}

std::optional<bool> ParseCoreBoolean(std::string_view text) {
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  return std::nullopt;
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

bool ResolvesToString(std::string_view text) { return ResolvePlainScalar(text).is_string(); }

// ---- YAML to JSON ---------------------------------------------------------

std::string Position(const YAML::Mark& mark) {
  if (mark.is_null()) return "an unknown position";
  return "line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1);
}

// ` (in "<the line>")`, so the user sees the offending text without opening
// the file; empty when the line is blank or beyond the input.
std::string LineExcerpt(std::string_view source, const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0) return "";
  size_t start = 0;
  for (int line = 0; line < mark.line; ++line) {
    start = source.find('\n', start);
    if (start == std::string_view::npos) return "";
    ++start;
  }
  std::string_view line = source.substr(start, source.find('\n', start) - start);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.find_first_not_of(" \t") == std::string_view::npos) return "";
  constexpr size_t kMaxExcerpt = 80;
  if (line.size() > kMaxExcerpt) return " (in " + Quote(line.substr(0, kMaxExcerpt)) + "...)";
  return " (in " + Quote(line) + ")";
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (true) {
    const size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return lines;
    start = end + 1;
  }
}

// yaml-cpp starts a new document whenever a complete top-level node is
// followed by more content at the left margin, but YAML requires "---" (or
// "...") between documents. Without one, the content is a mistake, typically a
// mis-indented key or a top-level mapping and sequence mixed, and must not
// silently become a document of its own. So the line where a later document
// starts, or the nearest line before it that is not blank, a comment or a
// node property, must be a document marker.
bool StartsAfterDocumentMarker(const std::vector<std::string_view>& lines,
                               const YAML::Mark& start) {
  if (start.is_null() || start.line < 0) return true;
  const auto line_index = static_cast<size_t>(start.line);
  if (line_index < lines.size() && lines[line_index].starts_with("---")) return true;
  for (size_t i = std::min(line_index, lines.size()); i > 0; --i) {
    const std::string_view line = lines[i - 1];
    const size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line[first] == '#' || line[first] == '&' ||
        line[first] == '!') {
      continue;
    }
    return line.starts_with("---") || line.starts_with("...");
  }
  return true;
}

class YamlToJsonConverter {
 public:
  // A document without aliases has fewer nodes than four per input byte, so
  // this budget leaves ample room for ordinary reuse of anchors and only stops
  // expansion that multiplies the input ("billion laughs"), which would
  // otherwise exhaust memory.
  explicit YamlToJsonConverter(std::string_view source)
      : source_(source), node_budget_(4 * source.size() + 100'000) {}

  Status Convert(const YAML::Node& node, size_t depth, json& out) {
    if (++nodes_ > node_budget_) {
      return InvalidArgumentError("YAML expands to more than " + std::to_string(node_budget_) +
                                  " values at " + Position(node.Mark()) +
                                  "; aliases repeat too much content");
    }
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out = nullptr;
        return OkStatus();
      case YAML::NodeType::Scalar:
        return ConvertScalar(node, out);
      case YAML::NodeType::Sequence:
      case YAML::NodeType::Map:
        if (depth >= kMaxNestingDepth) {
          return InvalidArgumentError("YAML nests deeper than " + std::to_string(kMaxNestingDepth) +
                                      " levels at " + Position(node.Mark()) +
                                      " (an alias inside its own anchor?)");
        }
        return node.IsMap() ? ConvertMap(node, depth, out) : ConvertSequence(node, depth, out);
    }
    return InternalError("unexpected YAML node type at " + Position(node.Mark()));
  }

 private:
  static Status ConvertScalar(const YAML::Node& node, json& out) {
    const std::string& tag = node.Tag();
    const std::string& text = node.Scalar();
    if (tag == kPlainTag) {
      out = ResolvePlainScalar(text);
      return OkStatus();
    }
    if (tag == kNonSpecificTag || tag == kStringTag) {
      out = text;
      return OkStatus();
    }
    if (tag == kIntegerTag) {
      std::optional<json> integer = ParseCoreInteger(text);
      if (!integer) return TagMismatch(node, "an integer");
      out = std::move(*integer);
      return OkStatus();
    }
    if (tag == kFloatTag) {
      std::optional<double> number = ParseCoreFloat(text);
      if (!number) {
        const std::optional<json> integer = ParseCoreInteger(text);
        if (integer) number = integer->get<double>();
      }
      if (!number) return TagMismatch(node, "a number");
      out = *number;
      return OkStatus();
    }
    if (tag == kBooleanTag) {
      const std::optional<bool> boolean = ParseCoreBoolean(text);
      if (!boolean) return TagMismatch(node, "a boolean (true or false)");
      out = *boolean;
      return OkStatus();
    }
    if (tag == kNullTag) {
      if (!IsCoreNull(text)) return TagMismatch(node, "null");
      out = nullptr;
      return OkStatus();
    }
    return UnsupportedTag(node);
  }

  Status ConvertSequence(const YAML::Node& node, size_t depth, json& out) {
    const std::string& tag = node.Tag();
    if (tag != kPlainTag && tag != kNonSpecificTag && tag != kSequenceTag) {
      return UnsupportedTag(node);
    }
    out = json::array();
    for (const YAML::Node& item : node) {
      json value;
      TESSERA_RETURN_IF_ERROR(Convert(item, depth + 1, value));
      out.push_back(std::move(value));
    }
    return OkStatus();
  }

  Status ConvertMap(const YAML::Node& node, size_t depth, json& out) {
    const std::string& tag = node.Tag();
    if (tag != kPlainTag && tag != kNonSpecificTag && tag != kMapTag) return UnsupportedTag(node);
    out = json::object();
    for (auto entry = node.begin(); entry != node.end(); ++entry) {
      TESSERA_ASSIGN_OR_RETURN(std::string key, KeyText(entry->first));
      if (out.contains(key)) return DuplicateKey(node, key, entry->first.Mark());
      json value;
      TESSERA_RETURN_IF_ERROR(Convert(entry->second, depth + 1, value));
      out[key] = std::move(value);
    }
    return OkStatus();
  }

  // JSON keys are strings, so a scalar key is taken as written: 1 becomes
  // "1", not an error; only collections have no sensible text.
  static StatusOr<std::string> KeyText(const YAML::Node& key) {
    switch (key.Type()) {
      case YAML::NodeType::Scalar:
        return key.Scalar();
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        return std::string("null");
      case YAML::NodeType::Sequence:
      case YAML::NodeType::Map:
        break;
    }
    return InvalidArgumentError(std::string(key.IsMap() ? "a mapping" : "a sequence") +
                                " is used as a mapping key at " + Position(key.Mark()) +
                                "; keys must be scalars because JSON object keys are strings");
  }

  Status DuplicateKey(const YAML::Node& map, const std::string& key,
                      const YAML::Mark& repeated) const {
    std::string message = "duplicate key " + Quote(key) + " at " + Position(repeated);
    for (auto entry = map.begin(); entry != map.end(); ++entry) {
      const StatusOr<std::string> text = KeyText(entry->first);
      if (text.ok() && *text == key) {
        message += " (first at " + Position(entry->first.Mark()) + ")";
        break;
      }
    }
    return InvalidArgumentError(message + LineExcerpt(source_, repeated));
  }

  static Status TagMismatch(const YAML::Node& node, std::string_view expected) {
    return InvalidArgumentError(ShortTag(node.Tag()) + " value " + Quote(node.Scalar()) + " at " +
                                Position(node.Mark()) + " is not " + std::string(expected));
  }

  static Status UnsupportedTag(const YAML::Node& node) {
    return InvalidArgumentError("unsupported tag " + Quote(ShortTag(node.Tag())) + " at " +
                                Position(node.Mark()) +
                                "; supported tags: " + std::string(kSupportedTags));
  }

  std::string_view source_;
  size_t node_budget_;
  size_t nodes_ = 0;
};

// Parses every document of `yaml` and converts the non-empty ones; more than
// `max_documents` of them is an error. yaml-cpp reports errors by throwing;
// this is where those exceptions stop.
StatusOr<std::vector<json>> LoadDocuments(std::string_view yaml, size_t max_documents) {
  try {
    const std::vector<YAML::Node> documents = YAML::LoadAll(std::string(yaml));
    const std::vector<std::string_view> lines = SplitLines(yaml);
    std::vector<const YAML::Node*> non_empty;
    for (size_t i = 0; i < documents.size(); ++i) {
      const YAML::Node& document = documents[i];
      if (i > 0 && !StartsAfterDocumentMarker(lines, document.Mark())) {
        return InvalidArgumentError(
            "invalid YAML at " + Position(document.Mark()) +
            ": unexpected content after the end of the document (wrong indentation, or a missing "
            "\"---\" before a new document?)" +
            LineExcerpt(yaml, document.Mark()));
      }
      if (!document.IsNull()) non_empty.push_back(&document);
    }
    if (non_empty.size() > max_documents) {
      return InvalidArgumentError(
          "expected a single YAML document but found " + std::to_string(non_empty.size()) +
          " (separated by \"---\"); the second starts at " + Position(non_empty[1]->Mark()));
    }
    YamlToJsonConverter converter(yaml);
    std::vector<json> converted(non_empty.size());
    for (size_t i = 0; i < non_empty.size(); ++i) {
      TESSERA_RETURN_IF_ERROR(converter.Convert(*non_empty[i], 0, converted[i]));
    }
    return converted;
  } catch (const YAML::DeepRecursion&) {
    // yaml-cpp's own message for this is a misleading "bad file", and its mark
    // does not point at the nesting.
    return InvalidArgumentError("invalid YAML: collections nested too deeply for the parser");
  } catch (const YAML::Exception& error) {
    if (error.mark.is_null()) return InvalidArgumentError("invalid YAML: " + error.msg);
    return InvalidArgumentError("invalid YAML at " + Position(error.mark) + ": " + error.msg +
                                LineExcerpt(yaml, error.mark));
  } catch (const std::exception& error) {
    return InternalError(std::string("reading YAML: ") + error.what());
  }
}

// ---- JSON to YAML ---------------------------------------------------------

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
  if (text.empty() || !ResolvesToString(text)) return false;
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
// Excludes what the block would alter or could not express: leading blanks
// on the first line (they would set the indentation), blank-only or
// blank-ended lines (dropped or stripped by tools), and special characters.
bool CanBeLiteralBlock(std::string_view text) {
  if (text.find('\n') == std::string_view::npos) return false;
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

void AppendDoubleQuoted(std::string_view text, std::string& out) {
  constexpr std::string_view kHexDigits = "0123456789ABCDEF";
  out += '"';
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto byte = static_cast<unsigned char>(c);
    if (const size_t length = SpecialUnicodeLength(text, i); length != 0) {
      // Decode the two- or three-byte sequence to its code point.
      uint32_t code_point = length == 2 ? (byte & 0x1fU) : (byte & 0x0fU);
      for (size_t j = 1; j < length; ++j) {
        code_point = (code_point << 6) | (static_cast<unsigned char>(text[i + j]) & 0x3fU);
      }
      out += "\\u";
      for (int shift = 12; shift >= 0; shift -= 4) out += kHexDigits[(code_point >> shift) & 0xf];
      i += length - 1;
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (IsControl(byte)) {
          out += "\\x";
          out += kHexDigits[byte >> 4];
          out += kHexDigits[byte & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void AppendString(std::string_view text, std::string& out) {
  if (CanBePlain(text)) {
    out += text;
  } else {
    AppendDoubleQuoted(text, out);
  }
}

// Shortest text that reads back as the same double, always in a form the
// core schema reads as a float rather than an integer ("1.0", not "1").
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

// Where a node is written, which decides how its first line starts.
enum class Slot {
  kDocument,      // At the start of the output.
  kMappingValue,  // Right after "key:".
  kSequenceItem,  // Right after "-".
};

template <typename Json>
class YamlWriter {
 public:
  std::string Write(const Json& value) {
    WriteNode(value, 0, Slot::kDocument);
    return std::move(out_);
  }

 private:
  // `indent` is the column of the enclosing mapping's keys or sequence's
  // dashes; nested content goes two columns further in.
  void WriteNode(const Json& value, size_t indent, Slot slot) {
    const size_t nested = slot == Slot::kDocument ? 0 : indent + 2;
    const std::string_view separator = slot == Slot::kDocument ? "" : " ";
    if ((value.is_object() || value.is_array()) && !value.empty()) {
      if (slot == Slot::kMappingValue) {
        out_ += '\n';
        WriteCollection(value, nested, /*continues_line=*/false);
      } else {
        out_ += separator;
        WriteCollection(value, nested, /*continues_line=*/slot == Slot::kSequenceItem);
      }
      return;
    }
    out_ += separator;
    if (value.is_string() && CanBeLiteralBlock(value.template get_ref<const std::string&>())) {
      WriteLiteralBlock(value.template get_ref<const std::string&>(),
                        slot == Slot::kDocument ? 2 : nested);
      return;
    }
    WriteScalar(value);
    out_ += '\n';
  }

  // Precondition: `value` is a non-empty object or array. With
  // `continues_line`, the cursor already sits after "- " and the first entry
  // goes there.
  void WriteCollection(const Json& value, size_t indent, bool continues_line) {
    bool first = true;
    if (value.is_array()) {
      for (const Json& item : value) {
        if (!(first && continues_line)) out_.append(indent, ' ');
        first = false;
        out_ += '-';
        WriteNode(item, indent, Slot::kSequenceItem);
      }
      return;
    }
    for (const auto& entry : value.items()) {
      if (!(first && continues_line)) out_.append(indent, ' ');
      first = false;
      std::string key;
      AppendKey(entry.key(), key);
      // YAML limits implicit keys to 1024 characters; longer ones need the
      // explicit "? key" form.
      if (key.size() > 1000) {
        out_ += "? " + key + "\n";
        out_.append(indent, ' ');
      } else {
        out_ += key;
      }
      out_ += ':';
      WriteNode(entry.value(), indent, Slot::kMappingValue);
    }
  }

  static void AppendKey(std::string_view key, std::string& out) {
    // Keys cannot be literal blocks, so only plain or double-quoted.
    AppendString(key, out);
  }

  void WriteScalar(const Json& value) {
    switch (value.type()) {
      case Json::value_t::null:
      case Json::value_t::discarded:
        out_ += "null";
        return;
      case Json::value_t::boolean:
        out_ += value.template get<bool>() ? "true" : "false";
        return;
      case Json::value_t::number_integer:
        out_ += std::to_string(value.template get<int64_t>());
        return;
      case Json::value_t::number_unsigned:
        out_ += std::to_string(value.template get<uint64_t>());
        return;
      case Json::value_t::number_float:
        out_ += FormatDouble(value.template get<double>());
        return;
      case Json::value_t::string:
        AppendString(value.template get_ref<const std::string&>(), out_);
        return;
      case Json::value_t::binary: {
        out_ += '[';
        bool first = true;
        for (const uint8_t byte : value.get_binary()) {
          if (!first) out_ += ", ";
          first = false;
          out_ += std::to_string(byte);
        }
        out_ += ']';
        return;
      }
      case Json::value_t::object:
        out_ += "{}";
        return;
      case Json::value_t::array:
        out_ += "[]";
        return;
    }
  }

  // Precondition: CanBeLiteralBlock(text). The chomping indicator records how
  // many newlines end the string: "|-" none, "|" one, "|+" all that follow.
  void WriteLiteralBlock(std::string_view text, size_t indent) {
    const size_t content_end = text.find_last_not_of('\n') + 1;
    const size_t trailing_newlines = text.size() - content_end;
    out_ += trailing_newlines == 0 ? "|-" : trailing_newlines == 1 ? "|" : "|+";
    out_ += '\n';
    const std::string_view content = text.substr(0, content_end);
    size_t line_start = 0;
    while (line_start <= content.size()) {
      size_t line_end = content.find('\n', line_start);
      if (line_end == std::string_view::npos) line_end = content.size();
      const std::string_view line = content.substr(line_start, line_end - line_start);
      if (!line.empty()) out_.append(indent, ' ');
      out_ += line;
      out_ += '\n';
      line_start = line_end + 1;
    }
    if (trailing_newlines > 1) out_.append(trailing_newlines - 1, '\n');
  }

  std::string out_;
};

}  // namespace

StatusOr<json> YamlToJson(std::string_view yaml) {
  TESSERA_ASSIGN_OR_RETURN(std::vector<json> documents, LoadDocuments(yaml, 1));
  if (documents.empty()) return json(nullptr);
  return std::move(documents.front());
}

StatusOr<std::vector<json>> YamlDocumentsToJson(std::string_view yaml) {
  return LoadDocuments(yaml, std::numeric_limits<size_t>::max());
}

StatusOr<json> ParseJson(std::string_view text) {
  // nlohmann reports errors by throwing; they stop here.
  struct TooDeep {};
  try {
    // The callback sees each value as it starts, with the number of
    // containers around it; returning true keeps every value.
    return json::parse(text.begin(), text.end(),
                       [](int depth, json::parse_event_t event, json& /*parsed*/) {
                         if ((event == json::parse_event_t::object_start ||
                              event == json::parse_event_t::array_start) &&
                             static_cast<size_t>(depth) >= kMaxNestingDepth) {
                           throw TooDeep{};
                         }
                         return true;
                       });
  } catch (const TooDeep&) {
    return InvalidArgumentError("invalid JSON: nested deeper than " +
                                std::to_string(kMaxNestingDepth) + " levels");
  } catch (const json::parse_error& error) {
    // what() is "[json.exception.parse_error.101] parse error at line 1,
    // column 5: <detail>"; keep the position and the detail.
    const std::string_view what = error.what();
    const size_t at = what.find("parse error at ");
    if (at != std::string_view::npos) {
      return InvalidArgumentError(
          "invalid JSON " + std::string(what.substr(at + std::string_view("parse error ").size())));
    }
    return InvalidArgumentError("invalid JSON at byte " + std::to_string(error.byte) + ": " +
                                std::string(what));
  } catch (const json::exception& error) {
    // Other nlohmann errors (a number too large for a double) carry no
    // position; drop the "[json.exception...] " prefix.
    std::string_view what = error.what();
    if (const size_t end = what.find("] "); end != std::string_view::npos) {
      what.remove_prefix(end + 2);
    }
    return InvalidArgumentError("invalid JSON: " + std::string(what));
  } catch (const std::exception& error) {
    return InternalError(std::string("parsing JSON: ") + error.what());
  }
}

std::string JsonToYaml(const nlohmann::json& value) {
  return YamlWriter<nlohmann::json>().Write(value);
}

std::string JsonToYaml(const nlohmann::ordered_json& value) {
  return YamlWriter<nlohmann::ordered_json>().Write(value);
}

}  // namespace tessera
