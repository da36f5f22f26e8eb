// Exponential backoff, with the semantics of apimachinery's wait.Backoff and
// its backoff manager, so that Tessera's Kubernetes clients put the same load
// on a struggling API server as client-go's do; the agent's restart delay and
// the controller's per-key retry delay are the same sequence without jitter.

#ifndef TESSERA_BASE_BACKOFF_H_
#define TESSERA_BASE_BACKOFF_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>

namespace tessera {

struct BackoffPolicy {
  // The first wait.
  std::chrono::nanoseconds initial{0};
  // Each wait is the previous one times this (1 keeps it constant).
  double factor = 1.0;
  // Each wait is lengthened by a random fraction in [0, jitter) of itself, so
  // that many clients failing together do not retry together.
  double jitter = 0.0;
  // The un-jittered wait never grows beyond this; zero means no cap. As in
  // client-go the jitter is added after capping, so with jitter 1.0 a wait can
  // reach twice the cap; and the first wait is `initial` even above the cap.
  std::chrono::nanoseconds cap{0};
  // How many waits grow; after that the wait stays where it is. For
  // RetryOnError it is also the number of attempts.
  int steps = std::numeric_limits<int>::max();
  // When more than this has passed since the previous wait began, the next
  // starts again from `initial` (a healthy period forgives old failures).
  // Zero means never.
  std::chrono::nanoseconds reset_after{0};
};

// The un-jittered wait at position `step` of `policy`'s sequence (0 for the
// first): initial × factor^step, held at the cap once it reaches it and at
// its last value after `steps` steps. Callers that count failures themselves
// ask for step failures - 1. A negative step is the first.
std::chrono::nanoseconds BackoffWait(const BackoffPolicy& policy, int step);

// A uniformly distributed number in [0, 1).
using UniformRandom = std::function<double()>;

// A UniformRandom drawing from an mt19937 seeded with `seed`, for tests and
// for callers that want reproducible waits.
UniformRandom SeededUniformRandom(uint32_t seed);

// A UniformRandom seeded from std::random_device.
UniformRandom NonDeterministicUniformRandom();

// The wait sequence of one policy, jittered. Not thread-safe.
class Backoff {
 public:
  Backoff(BackoffPolicy policy, UniformRandom random);

  // The next wait. `now` is when the wait begins; it matters only for
  // policy.reset_after.
  std::chrono::nanoseconds Next(std::chrono::steady_clock::time_point now = {});

  // Starts again from the initial wait.
  void Reset();

  const BackoffPolicy& policy() const { return policy_; }

 private:
  BackoffPolicy policy_;
  UniformRandom random_;
  // The position in the sequence of the next wait, at most policy_.steps.
  int step_ = 0;
  std::optional<std::chrono::steady_clock::time_point> last_start_;
};

// `duration` lengthened by a random fraction in [0, max_factor) of itself,
// apimachinery's wait.Jitter (max_factor <= 0 means 1).
std::chrono::nanoseconds Jitter(std::chrono::nanoseconds duration, double max_factor,
                                const UniformRandom& random);

}  // namespace tessera

#endif  // TESSERA_BASE_BACKOFF_H_
