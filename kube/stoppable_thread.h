// StoppableThread: the thread behind a loop that talks to the API server
// (an informer, a leader elector, a heartbeat). Stop() wakes the loop's
// sleeps, cancels its requests in flight and joins it, so the owner knows its
// loop has ended when Stop() returns; Start() after Stop() runs a new loop.
//
// Start and Stop are thread-safe and may race; neither may be called from the
// loop itself.

#ifndef TESSERA_KUBE_STOPPABLE_THREAD_H_
#define TESSERA_KUBE_STOPPABLE_THREAD_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "kube/kube_client.h"

namespace tessera::kube {

class StoppableThread {
 public:
  StoppableThread() = default;
  ~StoppableThread();
  StoppableThread(const StoppableThread&) = delete;
  StoppableThread& operator=(const StoppableThread&) = delete;

  // Runs `loop` on a new thread; no-op while one runs. The loop should
  // return soon after stopping() turns true.
  void Start(std::function<void()> loop);
  // Idempotent; returns once the loop has returned.
  void Stop();

  bool stopping() const;
  // Waits (real time) up to `duration`; false when stopping, at once if
  // already.
  bool SleepFor(std::chrono::nanoseconds duration);
  // For the loop's requests: Stop() cancels them.
  const RequestCanceller& canceller() const { return canceller_; }

 private:
  RequestCanceller canceller_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
  // Serialises Start and Stop.
  std::mutex lifecycle_mutex_;
};

}  // namespace tessera::kube

#endif  // TESSERA_KUBE_STOPPABLE_THREAD_H_
