#include "base/backoff.h"

#include <algorithm>
#include <memory>
#include <random>
#include <utility>

namespace tessera {
namespace {

std::chrono::nanoseconds Scale(std::chrono::nanoseconds duration, double factor) {
  const double scaled = static_cast<double>(duration.count()) * factor;
  // Saturate rather than overflow when a cap is missing and the steps are many.
  constexpr double kMax = static_cast<double>(std::numeric_limits<int64_t>::max()) / 2;
  return std::chrono::nanoseconds(static_cast<int64_t>(scaled < kMax ? scaled : kMax));
}

}  // namespace

std::chrono::nanoseconds BackoffWait(const BackoffPolicy& policy, int step) {
  // wait.Backoff.Step, replayed: each step grows the wait (truncated to whole
  // nanoseconds, as client-go's time.Duration is) until the cap or the steps
  // run out.
  std::chrono::nanoseconds wait = policy.initial;
  if (policy.factor == 0.0) return wait;
  const int growths = std::min(step, policy.steps);
  for (int i = 0; i < growths; ++i) {
    const std::chrono::nanoseconds grown = Scale(wait, policy.factor);
    if (policy.cap > std::chrono::nanoseconds::zero() && grown > policy.cap) return policy.cap;
    // Constant (factor 1) or saturated: no later step changes it either.
    if (grown == wait) break;
    wait = grown;
  }
  return wait;
}

UniformRandom SeededUniformRandom(uint32_t seed) {
  auto engine = std::make_shared<std::mt19937>(seed);
  return [engine] { return std::generate_canonical<double, 53>(*engine); };
}

UniformRandom NonDeterministicUniformRandom() {
  std::random_device device;
  return SeededUniformRandom(device());
}

std::chrono::nanoseconds Jitter(std::chrono::nanoseconds duration, double max_factor,
                                const UniformRandom& random) {
  if (max_factor <= 0.0) max_factor = 1.0;
  return duration + Scale(duration, random() * max_factor);
}

Backoff::Backoff(BackoffPolicy policy, UniformRandom random)
    : policy_(policy), random_(std::move(random)) {}

void Backoff::Reset() {
  step_ = 0;
  last_start_.reset();
}

std::chrono::nanoseconds Backoff::Next(std::chrono::steady_clock::time_point now) {
  // apimachinery's exponentialBackoffManagerImpl.getNextBackoff.
  if (policy_.reset_after > std::chrono::nanoseconds::zero() && last_start_ &&
      now - *last_start_ > policy_.reset_after) {
    step_ = 0;
  }
  last_start_ = now;
  std::chrono::nanoseconds wait = BackoffWait(policy_, step_);
  if (step_ < policy_.steps) ++step_;
  if (policy_.jitter > 0.0) wait = Jitter(wait, policy_.jitter, random_);
  return wait;
}

}  // namespace tessera
