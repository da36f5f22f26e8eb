#include "kube/retry.h"

#include <thread>

namespace tessera::kube {

Status RetryOnError(const std::function<bool(const Status&)>& retriable,
                    const std::function<Status()>& attempt, const RetryOptions& options) {
  Backoff backoff(options.backoff,
                  options.random ? options.random : NonDeterministicUniformRandom());
  // wait.ExponentialBackoff: `steps` attempts with a wait between each two.
  const int attempts = options.backoff.steps > 0 ? options.backoff.steps : 1;
  Status status;
  for (int i = 0; i < attempts; ++i) {
    status = attempt();
    if (status.ok() || !retriable(status) || i + 1 == attempts) break;
    const std::chrono::nanoseconds wait = backoff.Next();
    if (options.sleep) {
      options.sleep(wait);
    } else {
      std::this_thread::sleep_for(wait);
    }
  }
  return status;
}

Status RetryOnConflict(const std::function<Status()>& attempt, const RetryOptions& options) {
  return RetryOnError([](const Status& status) { return status.code() == StatusCode::kAborted; },
                      attempt, options);
}

}  // namespace tessera::kube
