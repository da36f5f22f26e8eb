#include "agent/metrics/exposition_relabel.h"

#include <algorithm>
#include <map>

#include "base/prometheus_text.h"

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

  LexedSampleLine lexed;
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
    if (!LexSampleLine(line, lexed)) {
      ++result.malformed_lines;
      continue;
    }
    std::string sample(lexed.name);
    sample.reserve(line.size() + added.size() + 4);
    if (!added.empty() || !lexed.labels.empty()) {
      sample += '{';
      sample += added;
      bool first = added.empty();
      for (const auto& label : lexed.labels) {
        if (!first) sample += ',';
        first = false;
        const bool clashes =
            std::any_of(labels.begin(), labels.end(),
                        [&](const auto& added_label) { return added_label.first == label.first; });
        if (clashes) sample += "exported_";
        sample += label.first;
        sample += "=\"";
        sample += label.second;  // still escaped, as it was read
        sample += '"';
      }
      sample += '}';
    }
    sample += ' ';
    sample += lexed.value;
    if (!lexed.timestamp.empty()) {
      sample += ' ';
      sample += lexed.timestamp;
    }
    sample += '\n';
    family_at(FamilyOf(lexed.name, index)).samples += sample;
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
