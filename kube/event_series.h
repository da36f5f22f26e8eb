// Which recordings of an event are repeats. A controller that fails the same
// way every pass would otherwise write a new Event object every few seconds;
// like client-go's events broadcaster, a repeat within the series window
// instead bumps the existing Event's series {count, lastObservedTime}.

#ifndef TESSERA_KUBE_EVENT_SERIES_H_
#define TESSERA_KUBE_EVENT_SERIES_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace tessera::kube {

// What makes two recordings the same event: the object it is about, its
// reason, action and note. (client-go keys on object, reason and action; the
// note is part of the key here so that "3 of 4 ready" and "4 of 4 ready" stay
// separate events.)
struct EventSeriesKey {
  // The regarding object's identity: apiVersion, kind, namespace, name, uid.
  std::string regarding{};
  std::string reason{};
  std::string action{};
  std::string note{};

  friend auto operator<=>(const EventSeriesKey&, const EventSeriesKey&) = default;
};

inline constexpr std::chrono::minutes kDefaultEventSeriesWindow{10};

// Not thread-safe; the recorder's single worker owns it.
class EventSeriesCache {
 public:
  explicit EventSeriesCache(std::chrono::nanoseconds window = kDefaultEventSeriesWindow,
                            size_t max_entries = 4096);

  struct Repeat {
    // The Event object to patch.
    std::string namespace_name;
    std::string name;
    // The series count to write: 2 for the first repeat, then 3, ...
    int64_t count = 0;
  };

  // A recording of `key` at `now`: a Repeat when the same key was recorded
  // (Created) or repeated less than the window ago — the series then counts
  // this one — or nullopt when a new Event must be created.
  std::optional<Repeat> Observe(const EventSeriesKey& key,
                                std::chrono::steady_clock::time_point now);

  // A new Event for `key` was created as namespace/name at `now`.
  void Created(const EventSeriesKey& key, std::string namespace_name, std::string name,
               std::chrono::steady_clock::time_point now);

  // The Event is gone (a patch found nothing): the next recording creates one.
  void Forget(const EventSeriesKey& key);

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string namespace_name;
    std::string name;
    int64_t count = 1;
    std::chrono::steady_clock::time_point last_observed;
  };

  // Drops entries past the window, then the least recently observed ones,
  // until there is room for one more.
  void MakeRoom(std::chrono::steady_clock::time_point now);

  std::chrono::nanoseconds window_;
  size_t max_entries_;
  std::map<EventSeriesKey, Entry> entries_;
};

}  // namespace tessera::kube

#endif  // TESSERA_KUBE_EVENT_SERIES_H_
