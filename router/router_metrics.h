// The router's Prometheus metrics (GET /metrics on its one port). What the
// issue asks to see: requests and errors per worker and role, requests in
// flight, routing decisions with the cache-match they were based on,
// retries, prefill/decode hand-off durations per leg, and the router's own
// added latency. Per-worker gauges (in flight, healthy, circuit state) are
// read from the pool at scrape time, so they can never drift from it.
//
// Thread-safe (prometheus-cpp's instruments are), though the router records
// from its one thread.

#ifndef TESSERA_ROUTER_ROUTER_METRICS_H_
#define TESSERA_ROUTER_ROUTER_METRICS_H_

#include <memory>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "router/pool/worker_pool.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace tessera::router {

class RouterMetrics {
 public:
  RouterMetrics();
  ~RouterMetrics();
  RouterMetrics(const RouterMetrics&) = delete;
  RouterMetrics& operator=(const RouterMetrics&) = delete;

  // A client request answered, by endpoint ("/v1/chat/completions") and the
  // HTTP status the client got; a stream that broke off after its head
  // counts as the 502 its closing error event carries.
  void RecordClientRequest(std::string_view endpoint, int status);
  void ClientRequestStarted();
  void ClientRequestEnded();

  // One request to a worker ended; `outcome` is "success", "client_error"
  // (it answered 4xx), "error" (refused, reset, 5xx, cut short) or
  // "timeout" (no first byte within the leg's deadline), "cancelled".
  void RecordWorkerRequest(std::string_view worker, wire::WorkerRole role,
                           std::string_view outcome);

  void RecordRoutingDecision(wire::WorkerRole role, std::string_view policy,
                             std::string_view reason, double cache_match_ratio);
  void RecordRetry(wire::WorkerRole role);
  // What the client saw as its time to first token: from the request's
  // arrival (read in full) to the first body bytes of a successful answer
  // written to its connection, streamed or not, by endpoint.
  void RecordTimeToFirstToken(std::string_view endpoint, double seconds);
  // `leg`: "prefill" (prefill sent → answered) or "decode_first_byte"
  // (request dispatched → the decode worker's first byte).
  void RecordHandoff(std::string_view leg, double seconds);
  // Time the router itself spent on a request: from the request read in
  // full to the worker's request started, plus from the worker's first
  // bytes read to their hand-over to the client connection.
  void RecordAddedLatency(double seconds);

  // The text exposition, with the pool's per-worker gauges.
  std::string Serialize(const WorkerPool& pool, const Clock& clock) const;

 private:
  struct Instruments;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<Instruments> instruments_;
};

}  // namespace tessera::router

#endif  // TESSERA_ROUTER_ROUTER_METRICS_H_
