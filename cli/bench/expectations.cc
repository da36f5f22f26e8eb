#include "cli/bench/expectations.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "base/strings.h"
#include "base/yaml_json.h"

namespace tessera::bench {
namespace {

using json = nlohmann::json;

// SGLang's names for figures whose result field is spelled differently.
constexpr std::array<std::pair<std::string_view, std::string_view>, 3> kAliases = {{
    {"output_throughput_per_sec", "output_throughput"},
    {"tokens_per_sec", "total_token_throughput"},
    {"requests_per_sec", "request_throughput"},
}};

bool IsLatency(std::string_view key) {
  constexpr std::array<std::string_view, 4> kSuffixes = {"_ttft_ms", "_tpot_ms", "_itl_ms",
                                                         "_e2el_ms"};
  return std::any_of(kSuffixes.begin(), kSuffixes.end(),
                     [&](std::string_view suffix) { return key.ends_with(suffix); });
}

bool IsThroughput(std::string_view key) {
  return key == "output_throughput" || key == "total_token_throughput" ||
         key == "request_throughput" || key == "request_goodput" ||
         key == "max_output_tokens_per_s";
}

// Every object under `node` that has an "expected_results" member, with its
// dotted path.
void FindExpectedResults(const json& node, const std::string& path,
                         std::vector<std::pair<std::string, const json*>>& found) {
  if (!node.is_object()) return;
  if (const auto it = node.find("expected_results"); it != node.end()) {
    found.emplace_back(path, &*it);
  }
  for (const auto& [key, child] : node.items()) {
    if (key == "expected_results") continue;
    std::string child_path = path;
    if (!child_path.empty()) child_path += '.';
    child_path += key;
    FindExpectedResults(child, child_path, found);
  }
}

StatusOr<double> NumberOf(const std::string& name, const json& value) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) {
    const std::string text = value.get<std::string>();
    char* end = nullptr;
    const double number = std::strtod(text.c_str(), &end);
    if (!text.empty() && end == text.c_str() + text.size() && std::isfinite(number)) {
      return number;
    }
  }
  return InvalidArgumentError("expected_results." + name + ": must be a number, got " +
                              value.dump());
}

std::vector<std::string> SplitDottedPath(std::string_view path) {
  std::vector<std::string> keys;
  size_t start = 0;
  for (size_t dot; (dot = path.find('.', start)) != std::string_view::npos; start = dot + 1) {
    keys.emplace_back(path.substr(start, dot - start));
  }
  keys.emplace_back(path.substr(start));
  return keys;
}

std::string Figure(double value) {
  std::array<char, 64> text{};
  std::snprintf(text.data(), text.size(), "%.2f", value);
  return text.data();
}

}  // namespace

StatusOr<std::vector<Expectation>> ParseExpectations(std::string_view text, std::string_view path) {
  StatusOr<json> document = ParseJson(text);
  if (!document.ok()) document = YamlToJson(text);
  if (!document.ok()) return document.status();
  const json* node = &*document;
  std::string where;
  if (!path.empty()) {
    for (const std::string& key : SplitDottedPath(path)) {
      const auto it = node->is_object() ? node->find(key) : node->end();
      if (!node->is_object() || it == node->end()) {
        std::string message = "#" + std::string(path) + ": no member " + Quote(key);
        if (!where.empty()) message += " under " + where;
        return InvalidArgumentError(message);
      }
      if (!where.empty()) where += '.';
      where += key;
      node = &*it;
    }
  }
  std::vector<std::pair<std::string, const json*>> found;
  FindExpectedResults(*node, where, found);
  if (found.empty()) {
    std::string message = "no \"expected_results\" object";
    message += where.empty() ? " in the file" : " under " + where;
    return InvalidArgumentError(message);
  }
  if (found.size() > 1) {
    std::vector<std::string> paths;
    paths.reserve(found.size());
    for (const auto& entry : found) paths.push_back(entry.first.empty() ? "(top)" : entry.first);
    return InvalidArgumentError("several \"expected_results\" objects (" + Join(paths, ", ") +
                                "); choose one with FILE#PATH");
  }
  const json* results = found.front().second;
  if (!results->is_object() || results->empty()) {
    return InvalidArgumentError("expected_results: must be an object of figures");
  }
  // SGLang keys its figures by KV-cache dtype ("auto"); one such level is
  // unwrapped.
  if (results->size() == 1 && results->begin()->is_object()) results = &*results->begin();
  std::vector<Expectation> expectations;
  for (const auto& [name, value] : results->items()) {
    Expectation expectation;
    expectation.name = name;
    expectation.result_key = name;
    for (const auto& [alias, key] : kAliases) {
      if (name == alias) expectation.result_key = key;
    }
    if (IsThroughput(expectation.result_key)) {
      expectation.at_least = true;
    } else if (IsLatency(expectation.result_key)) {
      expectation.at_least = false;
    } else {
      return InvalidArgumentError("expected_results." + name +
                                  ": not a figure tessera bench reports (throughputs such as "
                                  "output_throughput_per_sec, latencies such as mean_ttft_ms)");
    }
    TESSERA_ASSIGN_OR_RETURN(expectation.bound, NumberOf(name, value));
    expectations.push_back(std::move(expectation));
  }
  return expectations;
}

Verdict CheckExpectations(const std::vector<Expectation>& expectations,
                          const nlohmann::ordered_json& result) {
  Verdict verdict;
  for (const Expectation& expectation : expectations) {
    const auto it = result.find(expectation.result_key);
    const bool present = it != result.end() && it->is_number();
    const double actual = present ? it->get<double>() : NAN;
    const bool met = present && (expectation.at_least ? actual >= expectation.bound
                                                      : actual <= expectation.bound);
    verdict.passed = verdict.passed && met;
    verdict.report += std::string(met ? "  ok    " : "  FAIL  ") + expectation.name + " = " +
                      (present ? Figure(actual) : std::string("missing")) +
                      (expectation.at_least ? ", at least " : ", at most ") +
                      Figure(expectation.bound) + "\n";
  }
  verdict.report += verdict.passed ? "PASS: every expected figure was met\n"
                                   : "FAIL: the result falls short of the expected figures\n";
  return verdict;
}

}  // namespace tessera::bench
