// Engine metrics merged into the agent's one scrape target.
//
// Each worker's exposition (Prometheus text format 0.0.4, as vLLM's and
// SGLang's prometheus_client and the simulator's prometheus-cpp write it) is
// parsed once, when the agent scrapes the worker, into families whose samples
// already carry the worker's labels. Serving /metrics then only groups the
// families of all workers — each family once, with one HELP and TYPE, as
// Prometheus requires — and concatenates text.

#ifndef TESSERA_AGENT_METRICS_EXPOSITION_RELABEL_H_
#define TESSERA_AGENT_METRICS_EXPOSITION_RELABEL_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera::agent {

struct RelabelledFamily {
  std::string name;
  std::string help;     // escaped as in the source
  std::string type;     // "counter", "gauge", "histogram", "summary", "untyped"
  std::string samples;  // complete sample lines, each ending in '\n'
};

struct RelabelledExposition {
  std::vector<RelabelledFamily> families{};  // in source order
  // Lines that were not valid exposition text, skipped.
  int malformed_lines = 0;
};

// Adds `labels` (name, value; values unescaped) to every sample. A source
// label with the same name as an added one is kept as exported_<name>, the
// convention of Prometheus's honor_labels: false.
RelabelledExposition RelabelExposition(
    std::string_view exposition, const std::vector<std::pair<std::string, std::string>>& labels);

// One exposition of every source's families, grouped by family name (sorted).
// A family declared with a different TYPE by a later source keeps the first
// declaration; the later source's samples for it are dropped and counted in
// `conflicts`.
std::string MergeExpositions(const std::vector<const RelabelledExposition*>& sources,
                             int* conflicts);

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_METRICS_EXPOSITION_RELABEL_H_
