#include "router/pool/circuit_breaker.h"

namespace tessera::router {

CircuitBreaker::State CircuitBreaker::state(std::chrono::steady_clock::time_point now) const {
  if (!open_) return State::kClosed;
  return now < open_until_ ? State::kOpen : State::kHalfOpen;
}

bool CircuitBreaker::Allow(std::chrono::steady_clock::time_point now) const {
  switch (state(now)) {
    case State::kClosed:
      return true;
    case State::kOpen:
      return false;
    case State::kHalfOpen:
      return !trial_in_flight_;
  }
  return false;
}

void CircuitBreaker::OnSend(std::chrono::steady_clock::time_point now) {
  if (state(now) == State::kHalfOpen) trial_in_flight_ = true;
}

void CircuitBreaker::RecordSuccess() {
  consecutive_failures_ = 0;
  trips_ = 0;
  open_ = false;
  trial_in_flight_ = false;
}

void CircuitBreaker::RecordFailure(std::chrono::steady_clock::time_point now) {
  ++consecutive_failures_;
  // A failed trial reopens at once; a closed circuit opens at the threshold.
  if (open_ ? trial_in_flight_ || now >= open_until_
            : consecutive_failures_ >= policy_->failure_threshold) {
    open_ = true;
    trial_in_flight_ = false;
    open_until_ = now + BackoffWait(policy_->cool_down, trips_++);
  }
}

std::string_view CircuitBreaker::StateName(State state) {
  switch (state) {
    case State::kClosed:
      return "closed";
    case State::kOpen:
      return "open";
    case State::kHalfOpen:
      return "half_open";
  }
  return "unknown";
}

}  // namespace tessera::router
