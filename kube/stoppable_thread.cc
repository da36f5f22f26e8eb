#include "kube/stoppable_thread.h"

#include <utility>

namespace tessera::kube {

StoppableThread::~StoppableThread() { Stop(); }

void StoppableThread::Start(std::function<void()> loop) {
  const std::lock_guard lifecycle(lifecycle_mutex_);
  if (thread_.joinable()) return;
  {
    const std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  canceller_.Reset();
  thread_ = std::thread(std::move(loop));
}

void StoppableThread::Stop() {
  const std::lock_guard lifecycle(lifecycle_mutex_);
  if (!thread_.joinable()) return;
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  canceller_.Cancel();
  thread_.join();
}

bool StoppableThread::stopping() const {
  const std::lock_guard lock(mutex_);
  return stopping_;
}

bool StoppableThread::SleepFor(std::chrono::nanoseconds duration) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, duration, [this] { return stopping_; });
}

}  // namespace tessera::kube
