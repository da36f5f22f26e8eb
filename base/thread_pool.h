// A fixed set of threads that run one batch of independent calls at a time,
// for fan-out that blocks on I/O (polling every agent of a fleet): the
// threads are started once, not per batch, and joined on destruction.

#ifndef TESSERA_BASE_THREAD_POOL_H_
#define TESSERA_BASE_THREAD_POOL_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tessera {

class ThreadPool {
 public:
  // `threads` helpers beside the caller (0: the caller runs every call).
  explicit ThreadPool(int threads);
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  ~ThreadPool();

  // Calls `call(0)` .. `call(count - 1)`, each once, on the pool's threads
  // and the caller's, and returns when every call has returned. One batch at
  // a time: concurrent callers take turns.
  void ParallelFor(size_t count, const std::function<void(size_t)>& call);

 private:
  void Serve();
  // Takes the next index of the current batch and runs it until none is left.
  void Drain(std::unique_lock<std::mutex>& lock);

  std::mutex batch_mutex_;  // one batch at a time
  std::mutex mutex_;
  std::condition_variable work_;
  std::condition_variable done_;
  const std::function<void(size_t)>* call_ = nullptr;
  size_t count_ = 0;
  size_t next_ = 0;
  size_t running_ = 0;
  uint64_t batch_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace tessera

#endif  // TESSERA_BASE_THREAD_POOL_H_
