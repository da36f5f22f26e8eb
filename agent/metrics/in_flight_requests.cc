#include "agent/metrics/in_flight_requests.h"

#include <array>
#include <exception>
#include <string>

namespace tessera::agent {

namespace {

std::array<std::string_view, 2> GaugeNames(wire::MetricDialect dialect) {
  switch (dialect) {
    case wire::MetricDialect::kVllm:
      return {"vllm:num_requests_running", "vllm:num_requests_waiting"};
    case wire::MetricDialect::kSglang:
      return {"sglang:num_running_reqs", "sglang:num_queue_reqs"};
    case wire::MetricDialect::kRouter:
      // A router queues nothing of its own: what it has in hand is its
      // clients' requests, each until its answer ends.
      return {"tessera_router_client_requests_in_flight", ""};
  }
  return {"", ""};
}

}  // namespace

std::optional<double> InFlightRequests(std::string_view exposition, wire::MetricDialect dialect) {
  const std::array<std::string_view, 2> names = GaugeNames(dialect);
  std::optional<double> total;
  size_t start = 0;
  while (start < exposition.size()) {
    size_t end = exposition.find('\n', start);
    if (end == std::string_view::npos) end = exposition.size();
    const std::string_view line = exposition.substr(start, end - start);
    start = end + 1;
    for (std::string_view name : names) {
      if (name.empty() || !line.starts_with(name)) continue;
      const char next = line.size() > name.size() ? line[name.size()] : '\0';
      if (next != '{' && next != ' ') continue;
      const size_t value_start =
          line.find(' ', line.rfind('}') == std::string_view::npos ? name.size() : line.rfind('}'));
      if (value_start == std::string_view::npos) continue;
      // std::stod, unlike std::from_chars, reads Prometheus' "+Inf" and stops
      // before a trailing timestamp.
      try {
        total = total.value_or(0) + std::stod(std::string(line.substr(value_start + 1)));
      } catch (const std::exception&) {
        // A malformed sample is not a reason to stop draining.
      }
    }
  }
  return total;
}

}  // namespace tessera::agent
