#include "kube/event_series.h"

#include <algorithm>
#include <utility>

namespace tessera::kube {

EventSeriesCache::EventSeriesCache(std::chrono::nanoseconds window, size_t max_entries)
    : window_(window), max_entries_(std::max<size_t>(1, max_entries)) {}

std::optional<EventSeriesCache::Repeat> EventSeriesCache::Observe(
    const EventSeriesKey& key, std::chrono::steady_clock::time_point now) {
  const auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  Entry& entry = it->second;
  if (now - entry.last_observed >= window_) {
    entries_.erase(it);
    return std::nullopt;
  }
  ++entry.count;
  entry.last_observed = now;
  return Repeat{entry.namespace_name, entry.name, entry.count};
}

void EventSeriesCache::Created(const EventSeriesKey& key, std::string namespace_name,
                               std::string name, std::chrono::steady_clock::time_point now) {
  if (!entries_.contains(key)) MakeRoom(now);
  entries_.insert_or_assign(key, Entry{std::move(namespace_name), std::move(name), 1, now});
}

void EventSeriesCache::Forget(const EventSeriesKey& key) { entries_.erase(key); }

void EventSeriesCache::MakeRoom(std::chrono::steady_clock::time_point now) {
  if (entries_.size() < max_entries_) return;
  std::erase_if(entries_,
                [&](const auto& item) { return now - item.second.last_observed >= window_; });
  while (entries_.size() >= max_entries_) {
    const auto oldest =
        std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
          return a.second.last_observed < b.second.last_observed;
        });
    entries_.erase(oldest);
  }
}

}  // namespace tessera::kube
