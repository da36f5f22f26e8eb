// A reflector and cache for one resource type, like client-go's
// SharedInformer: a background thread lists the collection, then watches it
// from the list's resourceVersion, keeping an in-memory copy that callers
// read without touching the API server, and telling handlers what changed.
//
// The thread's cycle, client-go's ListAndWatch:
//   1. List (paginated, consistent). Replace the cache; objects the list no
//      longer holds are reported deleted (see informer_cache.h).
//   2. Watch from the last resourceVersion with timeoutSeconds uniformly in
//      [min_watch_timeout, 2 * min_watch_timeout) so that many watchers do
//      not reconnect in step. Apply each event; bookmarks only advance the
//      resourceVersion.
//   3. When the server ends the watch cleanly, watch again from the last
//      resourceVersion seen: no relist.
//   4. 410 Gone (as an HTTP answer or an ERROR event): the version is too old
//      to resume from; list again.
//   5. Other failures: wait a backoff (kReflectorBackoff: 800ms doubling to
//      30s, full jitter, reset after two healthy minutes), then watch again
//      from the same version when the failure was the connection's, or list
//      again otherwise.
//
// Handlers run on the informer's thread, one at a time, after the cache has
// changed, with no lock held: they may read the informer. They must return
// promptly (queue work elsewhere) and must not call Stop().

#ifndef TESSERA_KUBE_INFORMER_H_
#define TESSERA_KUBE_INFORMER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/backoff.h"
#include "base/clock.h"
#include "base/logging.h"
#include "kube/informer_cache.h"
#include "kube/kube_client.h"
#include "kube/resource_type.h"
#include "kube/stoppable_thread.h"

namespace tessera::kube {

// What client-go's reflectors use between failed list/watch cycles:
// 800ms doubling to 30s, full jitter, reset after two healthy minutes.
inline constexpr BackoffPolicy kReflectorBackoff{
    .initial = std::chrono::milliseconds(800),
    .factor = 2.0,
    .jitter = 1.0,
    .cap = std::chrono::seconds(30),
    .reset_after = std::chrono::minutes(2),
};

struct InformerOptions {
  // Empty watches all namespaces (and is required for cluster-scoped types).
  std::string namespace_name{};
  std::string label_selector{};
  std::string field_selector{};
  // Items per list request (client-go's pager uses 500).
  int64_t page_size = 500;
  // client-go's minWatchTimeout.
  std::chrono::seconds min_watch_timeout{300};
  BackoffPolicy backoff = kReflectorBackoff;
  // Drives the backoff's reset. Null means SystemClock::Default(). Not owned.
  const Clock* clock = nullptr;
  // Jitter and watch timeouts. Null means NonDeterministicUniformRandom().
  UniformRandom random{};
  Logger logger{};
};

struct InformerHandlers {
  // Level-triggered consumers need only this: the key of every object that
  // was added, changed or deleted (re-read it with Get()).
  std::function<void(const ObjectKey&)> on_change{};
  std::function<void(const nlohmann::json& object)> on_add{};
  std::function<void(const nlohmann::json& old_object, const nlohmann::json& new_object)>
      on_update{};
  // The last state known; after a relist it may be older than the deletion.
  std::function<void(const nlohmann::json& last_known)> on_delete{};
};

// Counters for logs, metrics and tests.
struct InformerStats {
  uint64_t lists = 0;
  // Lists after the first: recoveries from 410 Gone and other errors.
  uint64_t relists = 0;
  uint64_t watches = 0;
  // Watches the server ended cleanly, each resumed without a list.
  uint64_t watch_resumes = 0;
  uint64_t errors = 0;
};

class Informer {
 public:
  // `client` must outlive the informer.
  Informer(KubeClient& client, ResourceType type, InformerOptions options,
           InformerHandlers handlers);
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Starts the thread; no-op when running. After Stop(), starts again with a
  // list, keeping the cache so the relist reports what changed meanwhile.
  void Start();

  // Ends the thread promptly (in-flight requests are cancelled) and returns
  // once it has: no handler runs after Stop() returns. Idempotent.
  void Stop();

  // A copy of the cached object. Thread-safe, like every reader below.
  std::optional<nlohmann::json> Get(const ObjectKey& key) const;
  std::vector<nlohmann::json> List() const;

  // True once the first list has been stored and its handlers have run (and
  // stays true).
  bool HasSynced() const;
  // Waits (real time) until HasSynced(); false on timeout or Stop().
  bool WaitForSync(std::chrono::milliseconds timeout) const;

  // The resourceVersion the next watch would start from.
  std::string LastSyncResourceVersion() const;
  InformerStats stats() const;

  const ResourceType& type() const { return type_; }

 private:
  enum class Next { kList, kWatch };

  void Run();
  // Both return the step to take next; an error has already been waited for.
  Next ListAndReplace();
  Next WatchOnce();
  // Waits the next backoff; false when stopping.
  bool WaitBackoff();
  void Notify(const std::vector<CacheDelta>& deltas) const;

  KubeClient& client_;
  const ResourceType type_;
  InformerOptions options_;
  InformerHandlers handlers_;
  const Clock& clock_;
  Backoff backoff_;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  InformerCache cache_;
  std::string resource_version_;
  bool synced_ = false;
  InformerStats stats_;
  StoppableThread thread_;
};

}  // namespace tessera::kube

#endif  // TESSERA_KUBE_INFORMER_H_
