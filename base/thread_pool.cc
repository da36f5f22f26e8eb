#include "base/thread_pool.h"

#include <algorithm>

namespace tessera {

ThreadPool::ThreadPool(int threads) {
  threads_.reserve(static_cast<size_t>(std::max(0, threads)));
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Serve(); });
}

ThreadPool::~ThreadPool() {
  {
    const std::scoped_lock lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

void ThreadPool::ParallelFor(size_t count, const std::function<void(size_t)>& call) {
  const std::scoped_lock batch(batch_mutex_);
  std::unique_lock lock(mutex_);
  call_ = &call;
  count_ = count;
  next_ = 0;
  ++batch_;
  work_.notify_all();
  Drain(lock);
  // Helpers may still be inside a call they took.
  done_.wait(lock, [this] { return next_ >= count_ && running_ == 0; });
  call_ = nullptr;
}

void ThreadPool::Serve() {
  std::unique_lock lock(mutex_);
  uint64_t seen = 0;
  while (true) {
    work_.wait(lock, [&] { return stopping_ || (batch_ != seen && call_ != nullptr); });
    if (stopping_) return;
    seen = batch_;
    Drain(lock);
  }
}

void ThreadPool::Drain(std::unique_lock<std::mutex>& lock) {
  while (call_ != nullptr && next_ < count_) {
    const size_t index = next_++;
    const std::function<void(size_t)>& call = *call_;
    ++running_;
    lock.unlock();
    call(index);
    lock.lock();
    --running_;
  }
  if (next_ >= count_ && running_ == 0) done_.notify_all();
}

}  // namespace tessera
