#include "kube/backoff.h"

#include <memory>
#include <utility>

namespace tessera::kube {
namespace {

std::chrono::nanoseconds Scale(std::chrono::nanoseconds duration, double factor) {
  const double scaled = static_cast<double>(duration.count()) * factor;
  // Saturate rather than overflow when a cap is missing and the steps are many.
  constexpr double kMax = static_cast<double>(std::numeric_limits<int64_t>::max()) / 2;
  return std::chrono::nanoseconds(static_cast<int64_t>(scaled < kMax ? scaled : kMax));
}

}  // namespace

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
    : policy_(policy),
      random_(std::move(random)),
      current_(policy.initial),
      steps_left_(policy.steps) {}

void Backoff::Reset() {
  current_ = policy_.initial;
  steps_left_ = policy_.steps;
  last_start_.reset();
}

std::chrono::nanoseconds Backoff::Next(std::chrono::steady_clock::time_point now) {
  // apimachinery's exponentialBackoffManagerImpl.getNextBackoff.
  if (policy_.reset_after > std::chrono::nanoseconds::zero() && last_start_ &&
      now - *last_start_ > policy_.reset_after) {
    current_ = policy_.initial;
    steps_left_ = policy_.steps;
  }
  last_start_ = now;
  // wait.Backoff.Step: return the current wait, then grow it for next time.
  std::chrono::nanoseconds wait = current_;
  if (steps_left_ > 0) {
    --steps_left_;
    if (policy_.factor != 0.0) {
      current_ = Scale(current_, policy_.factor);
      if (policy_.cap > std::chrono::nanoseconds::zero() && current_ > policy_.cap) {
        current_ = policy_.cap;
        steps_left_ = 0;
      }
    }
  }
  if (policy_.jitter > 0.0) wait = Jitter(wait, policy_.jitter, random_);
  return wait;
}

}  // namespace tessera::kube
