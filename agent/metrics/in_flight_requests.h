// How many requests an engine has in hand, read from its Prometheus
// exposition: what a drain waits on, what a worker's status reports, and
// what the simulated GPUs' busy figures follow.

#ifndef TESSERA_AGENT_METRICS_IN_FLIGHT_REQUESTS_H_
#define TESSERA_AGENT_METRICS_IN_FLIGHT_REQUESTS_H_

#include <optional>
#include <string_view>

#include "wire/engine_kind.h"

namespace tessera::agent {

// Running plus waiting requests, summed over every sample of the two gauges
// `dialect` names (vLLM: vllm:num_requests_running and
// vllm:num_requests_waiting; SGLang: sglang:num_running_reqs and
// sglang:num_queue_reqs; tessera-router:
// tessera_router_client_requests_in_flight); nullopt when none appears. A sample whose value
// does not parse is skipped.
std::optional<double> InFlightRequests(std::string_view exposition, wire::MetricDialect dialect);

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_METRICS_IN_FLIGHT_REQUESTS_H_
