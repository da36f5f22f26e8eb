// Reading Prometheus text exposition format 0.0.4, as vLLM's and SGLang's
// prometheus_client, prometheus-cpp and the agent's merged /metrics write it.
//
// Two levels, so that every reader of expositions lexes lines one way:
// LexSampleLine splits one sample line into views of its parts (what the
// agent's relabelling rewrites without unescaping), and ParsePrometheusText
// turns a whole exposition into samples with their values read.
//
// Nothing here throws or fails: a line that is not valid exposition text is
// counted and skipped, as a scraper must keep what it can of a bad target.

#ifndef TESSERA_BASE_PROMETHEUS_TEXT_H_
#define TESSERA_BASE_PROMETHEUS_TEXT_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera {

// One sample line split into its parts, all views into the line.
struct LexedSampleLine {
  std::string_view name;
  // (name, value) in source order; values as written, still escaped.
  std::vector<std::pair<std::string_view, std::string_view>> labels{};
  std::string_view value;      // as written: "12", "1e-3", "+Inf", "NaN"
  std::string_view timestamp;  // milliseconds as written, empty when absent
};

// Splits `line` (without its '\n'; a trailing '\r' is tolerated) into
// `lexed`, reusing its label vector's storage. Returns false when the line is
// not a valid sample: a bad metric or label name, unterminated or badly
// escaped label value (only \\, \" and \n are escapes), a value that is not
// a number, +Inf, -Inf or NaN, a timestamp that is not an integer, or text
// after it. Comment and blank lines are not samples: the caller skips them.
bool LexSampleLine(std::string_view line, LexedSampleLine& lexed);

// The value of a sample value field: decimal or exponent notation with an
// optional sign, "+Inf", "-Inf", "Inf" or "NaN"; nullopt for anything else.
std::optional<double> ParseSampleValue(std::string_view text);

// `escaped` with \\, \" and \n replaced by what they stand for.
// Precondition: `escaped` passed LexSampleLine (no other escapes).
std::string UnescapeLabelValue(std::string_view escaped);

struct PrometheusSample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels{};  // values unescaped
  double value = 0;
};

struct ParsedExposition {
  std::vector<PrometheusSample> samples{};  // in source order
  // Lines that were neither samples, comments (HELP, TYPE and others) nor
  // blank; skipped.
  int malformed_lines = 0;
};

// Every sample of `exposition`. Timestamps are read for validity and dropped:
// the caller knows when it scraped.
ParsedExposition ParsePrometheusText(std::string_view exposition);

// The value of label `name` in `labels`, or empty when it has none (which
// Prometheus treats the same as an empty value).
std::string_view LabelValue(const std::vector<std::pair<std::string, std::string>>& labels,
                            std::string_view name);

}  // namespace tessera

#endif  // TESSERA_BASE_PROMETHEUS_TEXT_H_
