// The reconciler's queue of deployment keys, with client-go's workqueue
// semantics: a key is queued at most once however often it is added; a key
// being processed is never handed out twice at once (an Add during
// processing queues it again when Done is called); failures back off per key
// exponentially; and keys can be delayed.

#ifndef TESSERA_CONTROLLER_QUEUE_WORK_QUEUE_H_
#define TESSERA_CONTROLLER_QUEUE_WORK_QUEUE_H_

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "base/clock.h"
#include "resources/object_meta.h"

namespace tessera::controller {

struct WorkQueueOptions {
  // The n-th consecutive failure of a key delays it by base × 2^(n-1), up
  // to max.
  std::chrono::milliseconds failure_base{5};
  std::chrono::milliseconds failure_max{30'000};
};

class WorkQueue {
 public:
  using Key = resources::ObjectKey;

  explicit WorkQueue(const Clock& clock, WorkQueueOptions options = {});

  void Add(const Key& key);
  // Add, unless the key waits out a delay (a failure's backoff): a periodic
  // resync must not turn backoff into a hot retry loop.
  void Resync(const Key& key);
  void AddAfter(const Key& key, std::chrono::milliseconds delay);
  // After a failed pass: delayed by the key's backoff, which grows.
  void AddRateLimited(const Key& key);
  // After a successful pass: the key's backoff starts over.
  void Forget(const Key& key);

  // The next key due, waiting for one; nullopt once shut down. The caller
  // must call Done(key) when finished with it.
  std::optional<Key> Get();
  // The next key due now, without waiting.
  std::optional<Key> TryGet();
  void Done(const Key& key);

  void ShutDown();
  size_t Length() const;
  int Failures(const Key& key) const;

 private:
  std::optional<Key> PopDueLocked();

  const Clock& clock_;
  WorkQueueOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Key> queue_;
  std::set<Key> dirty_;       // queued, or to queue again when Done
  std::set<Key> processing_;  // handed out, not Done yet
  std::map<Key, std::chrono::steady_clock::time_point> delayed_;
  std::map<Key, int> failures_;
  bool shut_down_ = false;
};

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_QUEUE_WORK_QUEUE_H_
