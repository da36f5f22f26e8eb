#include "kube/informer.h"

#include <utility>

#include "kube/api_error.h"
#include "kube/object_fields.h"

namespace tessera::kube {
namespace {

// A watch that ends this soon without a single event is treated as a
// failure, as client-go treats "very short watches": a server (or proxy) that
// closes every watch at once would otherwise be re-watched in a tight loop.
constexpr std::chrono::seconds kShortestHealthyWatch{1};

UniformRandom RandomOrDefault(UniformRandom random) {
  return random ? std::move(random) : NonDeterministicUniformRandom();
}

// Failures of the connection rather than of the request: the resourceVersion
// is still good, so the next watch resumes from it.
bool IsTransient(const Status& status) {
  return status.code() == StatusCode::kUnavailable ||
         status.code() == StatusCode::kDeadlineExceeded;
}

}  // namespace

Informer::Informer(KubeClient& client, ResourceType type, InformerOptions options,
                   InformerHandlers handlers)
    : client_(client),
      type_(std::move(type)),
      options_(std::move(options)),
      handlers_(std::move(handlers)),
      clock_(options_.clock != nullptr ? *options_.clock : SystemClock::Default()),
      backoff_(options_.backoff, RandomOrDefault(options_.random)) {
  options_.random = RandomOrDefault(std::move(options_.random));
  options_.logger = options_.logger.With({{"resource", type_.QualifiedName()}});
}

Informer::~Informer() { Stop(); }

void Informer::Start() {
  thread_.Start([this] { Run(); });
}

void Informer::Stop() {
  thread_.Stop();
  // Under the lock, so a WaitForSync that has just found the thread running
  // is already waiting.
  const std::lock_guard lock(mutex_);
  changed_.notify_all();
}

std::optional<nlohmann::json> Informer::Get(const ObjectKey& key) const {
  const std::lock_guard lock(mutex_);
  const nlohmann::json* object = cache_.Find(key);
  if (object == nullptr) return std::nullopt;
  return *object;
}

std::vector<nlohmann::json> Informer::List() const {
  const std::lock_guard lock(mutex_);
  return cache_.List();
}

bool Informer::HasSynced() const {
  const std::lock_guard lock(mutex_);
  return synced_;
}

bool Informer::WaitForSync(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [this] { return synced_ || thread_.stopping(); });
  return synced_;
}

std::string Informer::LastSyncResourceVersion() const {
  const std::lock_guard lock(mutex_);
  return resource_version_;
}

InformerStats Informer::stats() const {
  const std::lock_guard lock(mutex_);
  return stats_;
}

void Informer::Run() {
  Next next = Next::kList;
  while (!thread_.stopping()) {
    next = next == Next::kList ? ListAndReplace() : WatchOnce();
  }
}

bool Informer::WaitBackoff() {
  const std::chrono::nanoseconds wait = backoff_.Next(clock_.Now());
  {
    const std::lock_guard lock(mutex_);
    ++stats_.errors;
  }
  return thread_.SleepFor(wait);
}

Informer::Next Informer::ListAndReplace() {
  ListOptions list_options;
  list_options.label_selector = options_.label_selector;
  list_options.field_selector = options_.field_selector;
  list_options.limit = options_.page_size;
  auto list = client_.List(type_, options_.namespace_name, list_options,
                           {.canceller = &thread_.canceller()});
  if (!list.ok()) {
    if (thread_.stopping()) return Next::kList;
    options_.logger.Warning("list failed", {{"error", list.status()}});
    WaitBackoff();
    return Next::kList;
  }
  std::vector<nlohmann::json> items;
  if (const auto it = list->find("items"); it != list->end() && it->is_array()) {
    items.reserve(it->size());
    for (nlohmann::json& item : *it) items.push_back(std::move(item));
  }
  std::vector<CacheDelta> deltas;
  {
    const std::lock_guard lock(mutex_);
    deltas = cache_.Replace(std::move(items));
    resource_version_ = ResourceVersionOf(*list);
    if (stats_.lists > 0) ++stats_.relists;
    ++stats_.lists;
  }
  options_.logger.Debug(
      "listed", {{"resource_version", LastSyncResourceVersion()}, {"changes", deltas.size()}});
  Notify(deltas);
  {
    // After the handlers: whoever waits for the sync finds the first list
    // both cached and delivered.
    const std::lock_guard lock(mutex_);
    synced_ = true;
  }
  changed_.notify_all();
  return Next::kWatch;
}

Informer::Next Informer::WatchOnce() {
  WatchOptions watch_options;
  watch_options.resource_version = LastSyncResourceVersion();
  watch_options.label_selector = options_.label_selector;
  watch_options.field_selector = options_.field_selector;
  const auto min_seconds = static_cast<double>(options_.min_watch_timeout.count());
  watch_options.timeout =
      std::chrono::seconds(static_cast<int64_t>(min_seconds * (1.0 + options_.random())));
  {
    const std::lock_guard lock(mutex_);
    ++stats_.watches;
  }
  auto watch = client_.Watch(type_, options_.namespace_name, watch_options,
                             {.canceller = &thread_.canceller()});
  if (!watch.ok()) {
    if (thread_.stopping()) return Next::kWatch;
    options_.logger.Warning("watch failed", {{"error", watch.status()}});
    const Next next = IsTransient(watch.status()) ? Next::kWatch : Next::kList;
    WaitBackoff();
    return next;
  }
  // Real time, not the injected clock: what this guards against is a tight
  // loop of real requests.
  const auto started = std::chrono::steady_clock::now();
  uint64_t events = 0;
  while (true) {
    auto event = (*watch)->Next();
    if (!event.ok()) {
      if (thread_.stopping()) return Next::kWatch;
      options_.logger.Warning("watch broken", {{"error", event.status()}});
      const Next next = IsTransient(event.status()) ? Next::kWatch : Next::kList;
      WaitBackoff();
      return next;
    }
    if (!event->has_value()) break;
    WatchEvent& current = **event;
    ++events;
    if (current.type == WatchEvent::Type::kError) {
      const Status status = StatusFromStatusObject(current.object, (*watch)->description());
      if (status.code() == StatusCode::kOutOfRange) {
        options_.logger.Info("resource version too old; relisting", {{"error", status}});
      } else {
        options_.logger.Warning("watch error event", {{"error", status}});
      }
      WaitBackoff();
      return Next::kList;
    }
    const std::string version = current.ResourceVersion();
    std::optional<CacheDelta> delta;
    {
      const std::lock_guard lock(mutex_);
      if (!version.empty()) resource_version_ = version;
      delta = cache_.Apply(current.type, std::move(current.object));
    }
    if (delta) Notify({*delta});
  }
  if (events == 0 && std::chrono::steady_clock::now() - started < kShortestHealthyWatch) {
    options_.logger.Warning("watch closed at once without events");
    WaitBackoff();
    return Next::kWatch;
  }
  const std::lock_guard lock(mutex_);
  ++stats_.watch_resumes;
  return Next::kWatch;
}

void Informer::Notify(const std::vector<CacheDelta>& deltas) const {
  for (const CacheDelta& delta : deltas) {
    switch (delta.type) {
      case CacheDelta::Type::kAdded:
        if (handlers_.on_add) handlers_.on_add(delta.object);
        break;
      case CacheDelta::Type::kUpdated:
        if (handlers_.on_update) handlers_.on_update(delta.old_object, delta.object);
        break;
      case CacheDelta::Type::kDeleted:
        if (handlers_.on_delete) handlers_.on_delete(delta.object);
        break;
    }
    if (handlers_.on_change) handlers_.on_change(delta.key);
  }
}

}  // namespace tessera::kube
