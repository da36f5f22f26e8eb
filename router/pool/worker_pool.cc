#include "router/pool/worker_pool.h"

#include <algorithm>
#include <set>

namespace tessera::router {

WorkerLease::WorkerLease(WorkerLease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)), url_(std::move(other.url_)) {}

WorkerLease& WorkerLease::operator=(WorkerLease&& other) noexcept {
  if (this != &other) {
    Release(WorkerOutcome::kAbandoned);
    pool_ = std::exchange(other.pool_, nullptr);
    url_ = std::move(other.url_);
  }
  return *this;
}

WorkerLease::~WorkerLease() { Release(WorkerOutcome::kAbandoned); }

void WorkerLease::Release(WorkerOutcome outcome) {
  if (pool_ == nullptr) return;
  std::exchange(pool_, nullptr)->Release(url_, outcome);
}

WorkerPool::WorkerPool(const Clock& clock, const CircuitBreakerPolicy& breaker_policy)
    : clock_(clock), breaker_policy_(breaker_policy) {}

void WorkerPool::SetMembership(const std::vector<WorkerEndpoint>& members) {
  std::set<std::string, std::less<>> listed;
  for (const WorkerEndpoint& member : members) {
    listed.insert(member.url);
    auto [worker, added] = workers_.try_emplace(
        member.url, PooledWorker{.endpoint = member, .breaker = CircuitBreaker(&breaker_policy_)});
    worker->second.endpoint = member;
    worker->second.draining = false;
  }
  for (auto worker = workers_.begin(); worker != workers_.end();) {
    const auto next = std::next(worker);
    if (!listed.contains(worker->first)) {
      worker->second.draining = true;
      ForgetIfDrained(worker);
    }
    worker = next;
  }
}

std::vector<const PooledWorker*> WorkerPool::Routable(wire::WorkerRole role,
                                                      std::span<const std::string> exclude) const {
  const auto now = clock_.Now();
  std::vector<const PooledWorker*> routable;
  for (const auto& [url, worker] : workers_) {
    if (worker.endpoint.role != role || !worker.healthy || worker.draining ||
        !worker.breaker.Allow(now) ||
        std::find(exclude.begin(), exclude.end(), url) != exclude.end()) {
      continue;
    }
    routable.push_back(&worker);
  }
  return routable;
}

bool WorkerPool::HasMember(wire::WorkerRole role) const {
  return std::any_of(workers_.begin(), workers_.end(), [role](const auto& entry) {
    return entry.second.endpoint.role == role && !entry.second.draining;
  });
}

WorkerLease WorkerPool::Acquire(const std::string& url) {
  const auto worker = workers_.find(url);
  if (worker == workers_.end()) return {};
  ++worker->second.in_flight;
  worker->second.breaker.OnSend(clock_.Now());
  return WorkerLease(this, url);
}

void WorkerPool::Release(const std::string& url, WorkerOutcome outcome) {
  const auto worker = workers_.find(url);
  if (worker == workers_.end()) return;
  --worker->second.in_flight;
  if (outcome == WorkerOutcome::kServed) worker->second.breaker.RecordSuccess();
  if (outcome == WorkerOutcome::kFailed) worker->second.breaker.RecordFailure(clock_.Now());
  if (outcome == WorkerOutcome::kAbandoned) worker->second.breaker.RecordAbandoned();
  ForgetIfDrained(worker);
}

void WorkerPool::SetHealth(const std::string& url, bool healthy, std::string error) {
  const auto worker = workers_.find(url);
  if (worker == workers_.end()) return;
  worker->second.healthy = healthy;
  worker->second.health_error = std::move(error);
}

void WorkerPool::ForgetIfDrained(
    std::map<std::string, PooledWorker, std::less<>>::iterator worker) {
  if (!worker->second.draining || worker->second.in_flight > 0) return;
  const std::string url = worker->first;
  workers_.erase(worker);
  if (on_forgotten_) on_forgotten_(url);
}

}  // namespace tessera::router
