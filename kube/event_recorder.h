// Kubernetes Events (events.k8s.io/v1) about the objects Tessera manages —
// what `kubectl describe` and `kubectl events` show — recorded without ever
// making the caller wait for the API server: Record() queues, a background
// thread writes. Repeats within the series window update the existing Event's
// series instead of creating new ones (see event_series.h).

#ifndef TESSERA_KUBE_EVENT_RECORDER_H_
#define TESSERA_KUBE_EVENT_RECORDER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/logging.h"
#include "kube/event_series.h"
#include "kube/kube_client.h"

namespace tessera::kube {

// The object an Event is about (its `regarding` reference).
struct EventReference {
  std::string api_version{};
  std::string kind{};
  // Empty for cluster-scoped objects, whose Events go to `default`.
  std::string namespace_name{};
  std::string name{};
  std::string uid{};
  std::string resource_version{};

  // The reference to `object` (its apiVersion, kind and metadata).
  static EventReference To(const nlohmann::json& object);
};

enum class EventType { kNormal, kWarning };

// The API server rejects longer notes (and 128-byte-plus reasons, actions).
inline constexpr size_t kMaxEventNoteBytes = 1024;
inline constexpr size_t kMaxEventFieldBytes = 128;

struct EventRecorderOptions {
  std::string reporting_controller = "tessera.io/controller";
  // Which replica reported: required, e.g. the pod name or leader identity.
  std::string reporting_instance{};
  // Events queued beyond this are dropped and counted.
  size_t queue_capacity = 256;
  std::chrono::nanoseconds series_window = kDefaultEventSeriesWindow;
  // Null means SystemClock::Default(). Not owned.
  const Clock* clock = nullptr;
  Logger logger{};
};

class EventRecorder {
 public:
  // `client` must outlive the recorder.
  EventRecorder(KubeClient& client, EventRecorderOptions options);
  // Stops the worker at once; events still queued are dropped (and counted).
  ~EventRecorder();
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  // Queues an event and returns at once; never blocks on the API server.
  // `reason` is a CamelCase word (WorkerStarted), `action` what was done
  // (Start, Place), `note` a sentence for people, cut to kMaxEventNoteBytes.
  // Thread-safe.
  void Record(const EventReference& regarding, EventType type, std::string_view reason,
              std::string_view action, std::string_view note);

  // Waits until every event queued so far has been written (or has failed);
  // false on timeout. For tests and orderly shutdown.
  bool Flush(std::chrono::milliseconds timeout);

  // Events dropped because the queue was full (or at destruction).
  uint64_t dropped() const { return dropped_.load(); }
  // Events the API server would not take.
  uint64_t failed() const { return failed_.load(); }
  // Events written: created, or counted into a series.
  uint64_t written() const { return written_.load(); }

 private:
  struct Pending {
    EventReference regarding;
    EventType type = EventType::kNormal;
    std::string reason;
    std::string action;
    std::string note;
    std::chrono::system_clock::time_point wall_time;
    std::chrono::steady_clock::time_point time;
  };

  void Run();
  Status Write(const Pending& event);
  Status CreateNew(const Pending& event, const EventSeriesKey& key);

  KubeClient& client_;
  EventRecorderOptions options_;
  const Clock& clock_;
  EventSeriesCache series_;
  RequestCanceller canceller_;
  uint64_t last_name_suffix_ = 0;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Pending> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> written_{0};
  std::thread thread_;
};

// The pieces of an Event, exposed for tests.

// `note` cut to at most `max_bytes`, never inside a UTF-8 character.
std::string TruncateUtf8(std::string_view note, size_t max_bytes);

// The namespace an Event about `regarding` lives in.
std::string EventNamespace(const EventReference& regarding);

// "<regarding name>.<suffix in hex>", shortened to fit a 253-character name.
std::string EventName(std::string_view regarding_name, uint64_t suffix);

// The events.k8s.io/v1 Event object to create.
nlohmann::json BuildEvent(const EventReference& regarding, EventType type, std::string_view reason,
                          std::string_view action, std::string_view note, const std::string& name,
                          std::chrono::system_clock::time_point event_time,
                          const std::string& reporting_controller,
                          const std::string& reporting_instance);

// The merge patch that counts a repeat into an Event's series.
nlohmann::json SeriesPatch(int64_t count, std::chrono::system_clock::time_point last_observed);

}  // namespace tessera::kube

#endif  // TESSERA_KUBE_EVENT_RECORDER_H_
