#include "base/prometheus_text.h"

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <limits>

#include "base/numbers.h"

namespace tessera {
namespace {

bool IsMetricNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool IsMetricNameChar(char c) { return IsMetricNameStart(c) || (c >= '0' && c <= '9'); }
// Label names are metric names without ':'.
bool IsLabelNameStart(char c) { return c != ':' && IsMetricNameStart(c); }
bool IsLabelNameChar(char c) { return c != ':' && IsMetricNameChar(c); }
bool IsBlank(char c) { return c == ' ' || c == '\t'; }

void SkipBlanks(std::string_view text, size_t& position) {
  while (position < text.size() && IsBlank(text[position])) ++position;
}

// Reads `{name="value",...}` from `text[position] == '{'`, leaving
// `position` after the '}'.
bool LexLabels(std::string_view text, size_t& position, LexedSampleLine& lexed) {
  ++position;  // '{'
  while (true) {
    SkipBlanks(text, position);
    if (position >= text.size()) return false;
    if (text[position] == '}') {
      ++position;
      return true;
    }
    const size_t name_start = position;
    if (!IsLabelNameStart(text[position])) return false;
    while (position < text.size() && IsLabelNameChar(text[position])) ++position;
    const std::string_view name = text.substr(name_start, position - name_start);
    SkipBlanks(text, position);
    if (position >= text.size() || text[position] != '=') return false;
    ++position;
    SkipBlanks(text, position);
    if (position >= text.size() || text[position] != '"') return false;
    const size_t value_start = ++position;
    while (position < text.size() && text[position] != '"') {
      if (text[position] == '\\') {
        if (position + 1 >= text.size()) return false;
        const char escaped = text[position + 1];
        if (escaped != '\\' && escaped != '"' && escaped != 'n') return false;
        ++position;
      }
      ++position;
    }
    if (position >= text.size()) return false;
    lexed.labels.emplace_back(name, text.substr(value_start, position - value_start));
    ++position;  // closing quote
    SkipBlanks(text, position);
    if (position < text.size() && text[position] == ',') {
      ++position;
    } else if (position >= text.size() || text[position] != '}') {
      return false;
    }
  }
}

std::string_view NextField(std::string_view text, size_t& position) {
  SkipBlanks(text, position);
  const size_t start = position;
  while (position < text.size() && !IsBlank(text[position])) ++position;
  return text.substr(start, position - start);
}

}  // namespace

bool LexSampleLine(std::string_view line, LexedSampleLine& lexed) {
  lexed.labels.clear();
  lexed.timestamp = {};
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  size_t position = 0;
  if (line.empty() || !IsMetricNameStart(line[0])) return false;
  while (position < line.size() && IsMetricNameChar(line[position])) ++position;
  lexed.name = line.substr(0, position);
  SkipBlanks(line, position);
  if (position < line.size() && line[position] == '{' && !LexLabels(line, position, lexed)) {
    return false;
  }
  // The value must be separated from a bare name; after '}' it need not be.
  if (lexed.labels.empty() && position == lexed.name.size() && position < line.size()) {
    return false;
  }
  lexed.value = NextField(line, position);
  if (!ParseSampleValue(lexed.value)) return false;
  lexed.timestamp = NextField(line, position);
  if (!lexed.timestamp.empty() && !ParseInteger<int64_t>(lexed.timestamp)) return false;
  SkipBlanks(line, position);
  return position == line.size();
}

std::optional<double> ParseSampleValue(std::string_view text) {
  if (text == "+Inf" || text == "Inf") return std::numeric_limits<double>::infinity();
  if (text == "-Inf") return -std::numeric_limits<double>::infinity();
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  // from_chars takes no '+' and would read "inf" and "nan" in any case;
  // the format has only the spellings above.
  if (text.starts_with('+')) text.remove_prefix(1);
  const std::string_view unsigned_part = text.starts_with('-') ? text.substr(1) : text;
  const bool starts_like_a_number =
      !unsigned_part.empty() &&
      ((unsigned_part[0] >= '0' && unsigned_part[0] <= '9') || unsigned_part[0] == '.');
  if (!starts_like_a_number) return std::nullopt;
  double value = 0;
  const char* const end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (stop != end) return std::nullopt;
  if (error == std::errc::result_out_of_range) {
    // Prometheus's float parser rounds such a value to ±Inf or 0, as strtod
    // does; from_chars leaves it unset instead.
    return std::strtod(std::string(text).c_str(), nullptr);
  }
  if (error != std::errc()) return std::nullopt;
  return value;
}

std::string UnescapeLabelValue(std::string_view escaped) {
  std::string value;
  value.reserve(escaped.size());
  for (size_t i = 0; i < escaped.size(); ++i) {
    if (escaped[i] == '\\' && i + 1 < escaped.size()) {
      ++i;
      value += escaped[i] == 'n' ? '\n' : escaped[i];
    } else {
      value += escaped[i];
    }
  }
  return value;
}

ParsedExposition ParsePrometheusText(std::string_view exposition) {
  ParsedExposition parsed;
  LexedSampleLine lexed;
  size_t start = 0;
  while (start < exposition.size()) {
    size_t end = exposition.find('\n', start);
    if (end == std::string_view::npos) end = exposition.size();
    std::string_view line = exposition.substr(start, end - start);
    start = end + 1;
    size_t first = 0;
    SkipBlanks(line, first);
    line.remove_prefix(first);
    if (line.empty() || line == "\r" || line[0] == '#') continue;
    if (!LexSampleLine(line, lexed)) {
      ++parsed.malformed_lines;
      continue;
    }
    PrometheusSample sample{.name = std::string(lexed.name),
                            .value = *ParseSampleValue(lexed.value)};
    sample.labels.reserve(lexed.labels.size());
    for (const auto& [name, value] : lexed.labels) {
      sample.labels.emplace_back(std::string(name), UnescapeLabelValue(value));
    }
    parsed.samples.push_back(std::move(sample));
  }
  return parsed;
}

std::string_view LabelValue(const std::vector<std::pair<std::string, std::string>>& labels,
                            std::string_view name) {
  for (const auto& [label, value] : labels) {
    if (label == name) return value;
  }
  return {};
}

}  // namespace tessera
