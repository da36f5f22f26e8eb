// Waiting on the agent's event loop, behind a seam so that the supervisor's
// deadlines (probe periods, backoff, grace, kill timeouts) are driven by a
// fake clock in tests. AsioTimerFactory is the host's.

#ifndef TESSERA_AGENT_SUPERVISOR_TIMER_H_
#define TESSERA_AGENT_SUPERVISOR_TIMER_H_

#include <chrono>
#include <functional>
#include <memory>

namespace tessera::agent {

class Timer {
 public:
  // Destroying a timer cancels its wait.
  virtual ~Timer() = default;

  // Runs `callback` once on the event loop when the injected clock reaches
  // `deadline` (soon, when it has already passed; never within this call),
  // replacing the wait set before.
  virtual void Schedule(std::chrono::steady_clock::time_point deadline,
                        std::function<void()> callback) = 0;
  // The callback set last does not run.
  virtual void Cancel() = 0;
};

class TimerFactory {
 public:
  virtual ~TimerFactory() = default;
  virtual std::unique_ptr<Timer> MakeTimer() = 0;
};

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_SUPERVISOR_TIMER_H_
