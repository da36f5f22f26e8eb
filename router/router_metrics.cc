#include "router/router_metrics.h"

#include <sstream>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace tessera::router {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

struct RouterMetrics::Instruments {
  Family<Counter>& client_requests;
  Gauge& client_in_flight;
  Family<Counter>& worker_requests;
  Family<Counter>& routing_decisions;
  Family<Histogram>& cache_match_ratio;
  Family<Counter>& retries;
  Family<Histogram>& time_to_first_token;
  Family<Histogram>& handoff_seconds;
  Histogram& added_latency;
};

namespace {

std::string RoleLabel(wire::WorkerRole role) { return std::string(wire::WorkerRoleName(role)); }

// vLLM's buckets for vllm:time_to_first_token_seconds, so that the router's
// figure and the engines' read side by side.
const Histogram::BucketBoundaries& TimeToFirstTokenBuckets() {
  static const Histogram::BucketBoundaries kBuckets = {
      0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,  0.25,  0.5,   0.75,
      1.0,   2.5,   5.0,  7.5,  10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};
  return kBuckets;
}

}  // namespace

RouterMetrics::RouterMetrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto& registry = *registry_;
  auto& in_flight = prometheus::BuildGauge()
                        .Name("tessera_router_client_requests_in_flight")
                        .Help("Client requests the router is serving")
                        .Register(registry);
  auto& added = prometheus::BuildHistogram()
                    .Name("tessera_router_added_latency_seconds")
                    .Help(
                        "Time the router itself spent on a request before and while "
                        "handing over its first bytes")
                    .Register(registry);
  instruments_ = std::make_unique<Instruments>(Instruments{
      .client_requests = prometheus::BuildCounter()
                             .Name("tessera_router_client_requests_total")
                             .Help("Client requests answered, by endpoint and HTTP status")
                             .Register(registry),
      .client_in_flight = in_flight.Add({}),
      .worker_requests = prometheus::BuildCounter()
                             .Name("tessera_router_worker_requests_total")
                             .Help("Requests sent to workers, by worker, role and outcome")
                             .Register(registry),
      .routing_decisions = prometheus::BuildCounter()
                               .Name("tessera_router_routing_decisions_total")
                               .Help("Workers chosen, by role, policy and reason")
                               .Register(registry),
      .cache_match_ratio = prometheus::BuildHistogram()
                               .Name("tessera_router_cache_match_ratio")
                               .Help("Share of the prompt the cache-aware policy found cached "
                                     "on the chosen worker")
                               .Register(registry),
      .retries = prometheus::BuildCounter()
                     .Name("tessera_router_retries_total")
                     .Help("Requests sent again to another worker after a failure before "
                           "their first byte")
                     .Register(registry),
      .time_to_first_token = prometheus::BuildHistogram()
                                 .Name("tessera_router_time_to_first_token_seconds")
                                 .Help("Time from a client request's arrival to the first body "
                                       "bytes of its successful answer, by endpoint")
                                 .Register(registry),
      .handoff_seconds = prometheus::BuildHistogram()
                             .Name("tessera_router_handoff_duration_seconds")
                             .Help("Prefill/decode hand-off legs: prefill answered, and the "
                                   "decode worker's first byte")
                             .Register(registry),
      .added_latency = added.Add({}, Histogram::BucketBoundaries{0.00005, 0.0001, 0.0002, 0.0005,
                                                                 0.001, 0.002, 0.005, 0.01, 0.05}),
  });
}

RouterMetrics::~RouterMetrics() = default;

void RouterMetrics::RecordClientRequest(std::string_view endpoint, int status) {
  instruments_->client_requests
      .Add({{"endpoint", std::string(endpoint)}, {"code", std::to_string(status)}})
      .Increment();
}

void RouterMetrics::ClientRequestStarted() { instruments_->client_in_flight.Increment(); }
void RouterMetrics::ClientRequestEnded() { instruments_->client_in_flight.Decrement(); }

void RouterMetrics::RecordWorkerRequest(std::string_view worker, wire::WorkerRole role,
                                        std::string_view outcome) {
  instruments_->worker_requests
      .Add({{"worker", std::string(worker)},
            {"role", RoleLabel(role)},
            {"outcome", std::string(outcome)}})
      .Increment();
}

void RouterMetrics::RecordRoutingDecision(wire::WorkerRole role, std::string_view policy,
                                          std::string_view reason, double cache_match_ratio) {
  const std::string role_label = RoleLabel(role);
  instruments_->routing_decisions
      .Add({{"role", role_label}, {"policy", std::string(policy)}, {"reason", std::string(reason)}})
      .Increment();
  if (policy == "cache_aware") {
    instruments_->cache_match_ratio
        .Add({{"role", role_label}},
             Histogram::BucketBoundaries{0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0})
        .Observe(cache_match_ratio);
  }
}

void RouterMetrics::RecordRetry(wire::WorkerRole role) {
  instruments_->retries.Add({{"role", RoleLabel(role)}}).Increment();
}

void RouterMetrics::RecordTimeToFirstToken(std::string_view endpoint, double seconds) {
  instruments_->time_to_first_token
      .Add({{"endpoint", std::string(endpoint)}}, TimeToFirstTokenBuckets())
      .Observe(seconds);
}

void RouterMetrics::RecordHandoff(std::string_view leg, double seconds) {
  instruments_->handoff_seconds
      .Add({{"leg", std::string(leg)}},
           Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
                                       60, 120})
      .Observe(seconds);
}

void RouterMetrics::RecordAddedLatency(double seconds) {
  instruments_->added_latency.Observe(seconds);
}

std::string RouterMetrics::Serialize(const WorkerPool& pool, const Clock& clock) const {
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  const auto family = [](std::string name, std::string help) {
    prometheus::MetricFamily gauges;
    gauges.name = std::move(name);
    gauges.help = std::move(help);
    gauges.type = prometheus::MetricType::Gauge;
    return gauges;
  };
  prometheus::MetricFamily in_flight = family("tessera_router_worker_requests_in_flight",
                                              "Requests the router has open on each worker");
  prometheus::MetricFamily healthy = family(
      "tessera_router_worker_healthy", "1 when the router's health checks pass for the worker");
  prometheus::MetricFamily circuit =
      family("tessera_router_worker_circuit_open",
             "1 when the worker's circuit breaker keeps requests away from it");
  const auto now = clock.Now();
  for (const auto& [url, worker] : pool.workers()) {
    std::vector<prometheus::ClientMetric::Label> labels(2);
    labels[0].name = "role";
    labels[0].value = RoleLabel(worker.endpoint.role);
    labels[1].name = "worker";
    labels[1].value = url;
    const auto gauge = [&](double value) {
      prometheus::ClientMetric metric;
      metric.label = labels;
      metric.gauge.value = value;
      return metric;
    };
    in_flight.metric.push_back(gauge(static_cast<double>(worker.in_flight)));
    healthy.metric.push_back(gauge(worker.healthy ? 1 : 0));
    circuit.metric.push_back(
        gauge(worker.breaker.state(now) == CircuitBreaker::State::kOpen ? 1 : 0));
  }
  families.push_back(std::move(in_flight));
  families.push_back(std::move(healthy));
  families.push_back(std::move(circuit));
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace tessera::router
