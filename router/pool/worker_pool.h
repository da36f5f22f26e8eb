// The workers the router may send requests to, with what it knows of each:
// health (from its own probes), requests in flight, the circuit breaker, and
// whether the worker is draining (it left the membership; requests in flight
// on it finish, no new ones start, and it is forgotten when the last ends).
//
// Not thread-safe: the router's event-loop thread owns it.

#ifndef TESSERA_ROUTER_POOL_WORKER_POOL_H_
#define TESSERA_ROUTER_POOL_WORKER_POOL_H_

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "base/clock.h"
#include "router/pool/circuit_breaker.h"
#include "router/pool/membership.h"

namespace tessera::router {

struct PooledWorker {
  WorkerEndpoint endpoint{};
  // Optimistic until a probe says otherwise: a worker the controller lists
  // is Ready by its agent's probes, and a request that finds it down is
  // retried elsewhere anyway.
  bool healthy = true;
  std::string health_error{};
  bool draining = false;
  int64_t in_flight = 0;
  CircuitBreaker breaker;
};

// How a request ended, as far as the worker is concerned.
enum class WorkerOutcome {
  kServed,     // the worker answered (any status it chose to give but a 5xx)
  kFailed,     // refused, reset, 5xx, or silent past a deadline: the worker's fault
  kAbandoned,  // the client left or a sibling leg failed: says nothing of the worker
};

class WorkerPool;

// One request on one worker: counted in flight from Acquire() until
// Release() or destruction (which releases as kAbandoned). Move-only.
class WorkerLease {
 public:
  WorkerLease() = default;
  WorkerLease(WorkerLease&& other) noexcept;
  WorkerLease& operator=(WorkerLease&& other) noexcept;
  WorkerLease(const WorkerLease&) = delete;
  WorkerLease& operator=(const WorkerLease&) = delete;
  ~WorkerLease();

  void Release(WorkerOutcome outcome);

 private:
  friend class WorkerPool;
  WorkerLease(WorkerPool* pool, std::string url) : pool_(pool), url_(std::move(url)) {}

  WorkerPool* pool_ = nullptr;
  std::string url_;
};

class WorkerPool {
 public:
  // `clock` and `breaker_policy` must outlive the pool.
  WorkerPool(const Clock& clock, const CircuitBreakerPolicy& breaker_policy);

  // Makes `members` the membership: new workers join, changed ones are
  // updated in place (their requests in flight stay counted), and workers no
  // longer listed drain. A draining worker listed again is back in rotation.
  void SetMembership(const std::vector<WorkerEndpoint>& members);

  // Workers of `role` that may take a request now — healthy, not draining,
  // circuit not open — ordered by URL, without those in `exclude`.
  std::vector<const PooledWorker*> Routable(wire::WorkerRole role,
                                            std::span<const std::string> exclude = {}) const;
  // Whether the membership lists a worker of `role` at all (healthy or not).
  bool HasMember(wire::WorkerRole role) const;
  // Whether the membership lists a prefill or a decode worker: then requests
  // are handed from prefill to decode, else served by aggregated workers.
  bool Disaggregated() const {
    return HasMember(wire::WorkerRole::kPrefill) || HasMember(wire::WorkerRole::kDecode);
  }

  // Counts a request on `url`, which Routable() just returned.
  WorkerLease Acquire(const std::string& url);

  void SetHealth(const std::string& url, bool healthy, std::string error);

  // Called with a worker's URL when it is forgotten (left and drained).
  void OnForgotten(std::function<void(const std::string& url)> callback) {
    on_forgotten_ = std::move(callback);
  }

  const std::map<std::string, PooledWorker, std::less<>>& workers() const { return workers_; }

 private:
  friend class WorkerLease;
  void Release(const std::string& url, WorkerOutcome outcome);
  void ForgetIfDrained(std::map<std::string, PooledWorker, std::less<>>::iterator worker);

  const Clock& clock_;
  const CircuitBreakerPolicy& breaker_policy_;
  std::map<std::string, PooledWorker, std::less<>> workers_;
  std::function<void(const std::string& url)> on_forgotten_;
};

}  // namespace tessera::router

#endif  // TESSERA_ROUTER_POOL_WORKER_POOL_H_
