#include "agent/metrics/exposition_relabel.h"

#include <algorithm>
#include <map>

namespace tessera::agent {
namespace {

bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

std::string EscapeLabelValue(std::string_view value) {
  std::string escaped;
  escaped.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == '"') {
      escaped += '\\';
      escaped += c;
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

// The family a sample named `name` belongs to: its own name when declared,
// else the declared name it extends with a histogram or summary suffix.
std::string_view FamilyOf(std::string_view name,
                          const std::map<std::string, size_t, std::less<>>& declared) {
  if (declared.contains(name)) return name;
  for (std::string_view suffix : {"_bucket", "_sum", "_count", "_created", "_total"}) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      const std::string_view base = name.substr(0, name.size() - suffix.size());
      if (declared.contains(base)) return base;
    }
  }
  return name;
}

// Parses `{a="x",b="y"}` starting at `text[position] == '{'`; rewrites it
// with `added` in front and clashing names prefixed. Returns false when
// malformed; `position` ends after '}'.
bool RewriteLabels(std::string_view text, size_t& position, const std::string& added,
                   const std::vector<std::pair<std::string, std::string>>& labels,
                   std::string& out) {
  out += '{';
  out += added;
  ++position;  // '{'
  bool first = added.empty();
  while (true) {
    while (position < text.size() && (text[position] == ' ' || text[position] == ',')) ++position;
    if (position >= text.size()) return false;
    if (text[position] == '}') {
      ++position;
      out += '}';
      return true;
    }
    const size_t name_start = position;
    if (!IsNameStart(text[position]) || text[position] == ':') return false;
    while (position < text.size() && IsNameChar(text[position])) ++position;
    const std::string_view name = text.substr(name_start, position - name_start);
    while (position < text.size() && text[position] == ' ') ++position;
    if (position + 1 >= text.size() || text[position] != '=' || text[position + 1] != '"') {
      return false;
    }
    position += 2;
    const size_t value_start = position;
    while (position < text.size() && text[position] != '"') {
      if (text[position] == '\\') ++position;
      ++position;
    }
    if (position >= text.size()) return false;
    const std::string_view value = text.substr(value_start, position - value_start);
    ++position;  // closing quote
    if (!first) out += ',';
    first = false;
    const bool clashes = std::any_of(labels.begin(), labels.end(),
                                     [&](const auto& label) { return label.first == name; });
    if (clashes) out += "exported_";
    out += name;
    out += "=\"";
    out += value;
    out += '"';
  }
}

bool IsValidValue(std::string_view text) {
  if (text.empty()) return false;
  if (text == "NaN" || text == "+Inf" || text == "-Inf" || text == "Inf") return true;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E';
  });
}

}  // namespace

RelabelledExposition RelabelExposition(
    std::string_view exposition, const std::vector<std::pair<std::string, std::string>>& labels) {
  RelabelledExposition result;
  std::string added;
  for (const auto& [name, value] : labels) {
    if (!added.empty()) added += ',';
    added += name;
    added += "=\"";
    added += EscapeLabelValue(value);
    added += '"';
  }
  std::map<std::string, size_t, std::less<>> index;  // family name -> position in result
  auto family_at = [&](std::string_view name) -> RelabelledFamily& {
    auto it = index.find(name);
    if (it == index.end()) {
      it = index.emplace(std::string(name), result.families.size()).first;
      result.families.push_back(
          {.name = std::string(name), .help = "", .type = "untyped", .samples = ""});
    }
    return result.families[it->second];
  };

  size_t start = 0;
  while (start < exposition.size()) {
    size_t end = exposition.find('\n', start);
    if (end == std::string_view::npos) end = exposition.size();
    std::string_view line = exposition.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (line[0] == '#') {
      const bool help = line.starts_with("# HELP ");
      const bool type = line.starts_with("# TYPE ");
      if (!help && !type) continue;  // comments, "# EOF"
      const std::string_view rest = line.substr(7);
      const size_t space = rest.find(' ');
      const std::string_view name = rest.substr(0, space);
      if (name.empty() || !IsNameStart(name[0]) ||
          !std::all_of(name.begin(), name.end(), IsNameChar)) {
        ++result.malformed_lines;
        continue;
      }
      const std::string_view text = space == std::string_view::npos ? "" : rest.substr(space + 1);
      RelabelledFamily& family = family_at(name);
      if (help) {
        family.help = std::string(text);
      } else {
        family.type = std::string(text);
      }
      continue;
    }
    size_t position = 0;
    if (!IsNameStart(line[0])) {
      ++result.malformed_lines;
      continue;
    }
    while (position < line.size() && IsNameChar(line[position])) ++position;
    const std::string_view name = line.substr(0, position);
    std::string sample(name);
    sample.reserve(line.size() + added.size() + 4);
    bool valid = true;
    if (position < line.size() && line[position] == '{') {
      valid = RewriteLabels(line, position, added, labels, sample);
    } else if (!added.empty()) {
      sample += '{';
      sample += added;
      sample += '}';
    }
    if (valid) {
      while (position < line.size() && line[position] == ' ') ++position;
      const std::string_view value_and_time = line.substr(position);
      const std::string_view value = value_and_time.substr(0, value_and_time.find(' '));
      valid = IsValidValue(value);
      sample += ' ';
      sample += value_and_time;
    }
    if (!valid) {
      ++result.malformed_lines;
      continue;
    }
    sample += '\n';
    family_at(FamilyOf(name, index)).samples += sample;
  }
  // Families declared but without samples add nothing to a scrape.
  std::erase_if(result.families,
                [](const RelabelledFamily& family) { return family.samples.empty(); });
  return result;
}

std::string MergeExpositions(const std::vector<const RelabelledExposition*>& sources,
                             int* conflicts) {
  struct Merged {
    const RelabelledFamily* first = nullptr;
    std::string samples;
  };
  std::map<std::string_view, Merged> families;
  int conflicting = 0;
  size_t bytes = 0;
  for (const RelabelledExposition* source : sources) {
    for (const RelabelledFamily& family : source->families) {
      Merged& merged = families[family.name];
      if (merged.first == nullptr) {
        merged.first = &family;
      } else if (merged.first->type != family.type) {
        ++conflicting;
        continue;
      }
      merged.samples += family.samples;
      bytes += family.samples.size();
    }
  }
  std::string out;
  out.reserve(bytes + families.size() * 128);
  for (const auto& [name, merged] : families) {
    if (!merged.first->help.empty()) {
      out += "# HELP ";
      out += name;
      out += ' ';
      out += merged.first->help;
      out += '\n';
    }
    out += "# TYPE ";
    out += name;
    out += ' ';
    out += merged.first->type;
    out += '\n';
    out += merged.samples;
  }
  if (conflicts != nullptr) *conflicts = conflicting;
  return out;
}

}  // namespace tessera::agent
