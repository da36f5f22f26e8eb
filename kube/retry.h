// Retrying an operation that fails for a reason a fresh attempt can cure,
// client-go's retry.OnError and retry.RetryOnConflict.

#ifndef TESSERA_KUBE_RETRY_H_
#define TESSERA_KUBE_RETRY_H_

#include <chrono>
#include <functional>

#include "base/backoff.h"
#include "base/status.h"

namespace tessera::kube {

// client-go's retry.DefaultRetry: five attempts 10ms apart, 10% jitter.
inline constexpr BackoffPolicy kDefaultRetry{
    .initial = std::chrono::milliseconds(10),
    .factor = 1.0,
    .jitter = 0.1,
    .steps = 5,
};

struct RetryOptions {
  // policy.steps is the number of attempts (at least one is made).
  BackoffPolicy backoff = kDefaultRetry;
  // Sleeps between attempts; null means std::this_thread::sleep_for. Tests
  // pass a recorder and never sleep.
  std::function<void(std::chrono::nanoseconds)> sleep{};
  // Null means NonDeterministicUniformRandom().
  UniformRandom random{};
};

// Calls `attempt` until it returns OK, an error `retriable` rejects, or
// backoff.steps attempts have been made, sleeping a backoff wait between
// attempts. Returns the last attempt's Status.
Status RetryOnError(const std::function<bool(const Status&)>& retriable,
                    const std::function<Status()>& attempt, const RetryOptions& options = {});

// RetryOnError for optimistic-concurrency conflicts (Aborted, HTTP 409
// Conflict): `attempt` should re-read the object, apply its change and write
// it back with the resourceVersion it read.
//
//   Status status = RetryOnConflict([&] {
//     TESSERA_ASSIGN_OR_RETURN(auto object, client.Get(type, key));
//     object["spec"]["replicas"] = 3;
//     return client.Update(type, object).status();
//   });
Status RetryOnConflict(const std::function<Status()>& attempt, const RetryOptions& options = {});

}  // namespace tessera::kube

#endif  // TESSERA_KUBE_RETRY_H_
