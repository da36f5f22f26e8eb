// Exponential backoff with jitter, with the semantics of apimachinery's
// wait.Backoff and its backoff manager, so that Tessera's clients put the same
// load on a struggling API server as client-go's do.

#ifndef TESSERA_KUBE_BACKOFF_H_
#define TESSERA_KUBE_BACKOFF_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <random>

namespace tessera::kube {

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
  // reach twice the cap.
  std::chrono::nanoseconds cap{0};
  // How many waits grow; after that the wait stays where it is. For
  // RetryOnError it is also the number of attempts.
  int steps = std::numeric_limits<int>::max();
  // When more than this has passed since the previous wait began, the next
  // starts again from `initial` (a healthy period forgives old failures).
  // Zero means never.
  std::chrono::nanoseconds reset_after{0};
};

// What client-go's reflectors use between failed list/watch cycles:
// 800ms doubling to 30s, full jitter, reset after two healthy minutes.
inline constexpr BackoffPolicy kReflectorBackoff{
    .initial = std::chrono::milliseconds(800),
    .factor = 2.0,
    .jitter = 1.0,
    .cap = std::chrono::seconds(30),
    .reset_after = std::chrono::minutes(2),
};

// client-go's retry.DefaultRetry: five attempts 10ms apart, 10% jitter.
inline constexpr BackoffPolicy kDefaultRetry{
    .initial = std::chrono::milliseconds(10),
    .factor = 1.0,
    .jitter = 0.1,
    .steps = 5,
};

// A uniformly distributed number in [0, 1).
using UniformRandom = std::function<double()>;

// A UniformRandom drawing from an mt19937 seeded with `seed`, for tests and
// for callers that want reproducible waits.
UniformRandom SeededUniformRandom(uint32_t seed);

// A UniformRandom seeded from std::random_device.
UniformRandom NonDeterministicUniformRandom();

// The wait sequence of one policy. Not thread-safe.
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
  std::chrono::nanoseconds current_;
  int steps_left_;
  std::optional<std::chrono::steady_clock::time_point> last_start_;
};

// `duration` lengthened by a random fraction in [0, max_factor) of itself,
// apimachinery's wait.Jitter (max_factor <= 0 means 1).
std::chrono::nanoseconds Jitter(std::chrono::nanoseconds duration, double max_factor,
                                const UniformRandom& random);

}  // namespace tessera::kube

#endif  // TESSERA_KUBE_BACKOFF_H_
