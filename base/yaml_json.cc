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

#include "base/strings.h"
#include "base/yaml_core_schema.h"

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

// "!!int" for core-schema tags, which is how users write them.
std::string ShortTag(std::string_view tag) {
  if (tag.starts_with(kCoreTagPrefix)) return "!!" + std::string(tag.substr(kCoreTagPrefix.size()));
  return std::string(tag);
}

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

}  // namespace tessera
