// A circuit breaker per worker: after `failure_threshold` requests in a row
// fail on a worker (refused, reset, 5xx, no first byte in time), the router
// stops sending it requests for a cool-down, then lets one trial request
// through ("half open"): its success closes the circuit, its failure opens it
// again for a longer cool-down (the backoff sequence, capped). Health checks
// answer "is the process up"; the breaker answers "does it serve", which a
// worker can fail while its health endpoint still says 200.
//
// An I/O-free state machine: the caller passes the time, so tests drive it
// with a FakeClock's readings and never sleep.

#ifndef TESSERA_ROUTER_POOL_CIRCUIT_BREAKER_H_
#define TESSERA_ROUTER_POOL_CIRCUIT_BREAKER_H_

#include <chrono>
#include <string_view>

#include "base/backoff.h"

namespace tessera::router {

struct CircuitBreakerPolicy {
  int failure_threshold = 5;
  // Cool-downs: 1 s, 2 s, 4 s ... up to 30 s while trials keep failing.
  BackoffPolicy cool_down{
      .initial = std::chrono::seconds(1), .factor = 2.0, .cap = std::chrono::seconds(30)};
};

class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };

  explicit CircuitBreaker(const CircuitBreakerPolicy* policy) : policy_(policy) {}

  // Whether a request may be sent now. In the half-open state only one
  // trial is out at a time: Allow() says yes once, until its outcome is
  // recorded.
  bool Allow(std::chrono::steady_clock::time_point now) const;
  // A request is being sent (after Allow() said yes); in the half-open
  // state it is the trial.
  void OnSend(std::chrono::steady_clock::time_point now);
  void RecordSuccess();
  void RecordFailure(std::chrono::steady_clock::time_point now);
  // The request ended without saying anything of the worker (the client
  // left): a trial may go out again.
  void RecordAbandoned() { trial_in_flight_ = false; }

  State state(std::chrono::steady_clock::time_point now) const;
  // "closed", "open", "half_open".
  static std::string_view StateName(State state);

 private:
  const CircuitBreakerPolicy* policy_;  // not owned
  int consecutive_failures_ = 0;
  int trips_ = 0;  // openings since the circuit last closed
  bool open_ = false;
  bool trial_in_flight_ = false;
  std::chrono::steady_clock::time_point open_until_{};
};

}  // namespace tessera::router

#endif  // TESSERA_ROUTER_POOL_CIRCUIT_BREAKER_H_
