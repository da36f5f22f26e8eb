#include "kube/event_recorder.h"

#include <algorithm>
#include <array>
#include <utility>

#include "base/time_format.h"
#include "kube/object_fields.h"
#include "kube/resource_type.h"

namespace tessera::kube {
namespace {

constexpr size_t kMaxNameBytes = 253;
// Writes that fail for a reason worth retrying (the API server briefly
// unreachable) get this many attempts, the waits between them below.
constexpr int kWriteAttempts = 3;
constexpr std::chrono::milliseconds kRetryWait{500};

std::string_view EventTypeName(EventType type) {
  return type == EventType::kWarning ? "Warning" : "Normal";
}

std::string JsonString(const nlohmann::json& object, const char* field) {
  const auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

EventSeriesKey KeyOf(const EventReference& regarding, std::string_view reason,
                     std::string_view action, std::string_view note) {
  // '\n' cannot occur in any of the identity fields, so the join is unambiguous.
  std::string identity = regarding.api_version + "\n" + regarding.kind + "\n" +
                         regarding.namespace_name + "\n" + regarding.name + "\n" + regarding.uid;
  return {std::move(identity), std::string(reason), std::string(action), std::string(note)};
}

bool IsTransient(const Status& status) {
  return status.code() == StatusCode::kUnavailable ||
         status.code() == StatusCode::kDeadlineExceeded;
}

}  // namespace

EventReference EventReference::To(const nlohmann::json& object) {
  if (!object.is_object()) return {};
  return {JsonString(object, "apiVersion"),    JsonString(object, "kind"),
          MetadataString(object, "namespace"), MetadataString(object, "name"),
          MetadataString(object, "uid"),       MetadataString(object, "resourceVersion")};
}

std::string TruncateUtf8(std::string_view note, size_t max_bytes) {
  if (note.size() <= max_bytes) return std::string(note);
  size_t end = max_bytes;
  // Back up over continuation bytes (10xxxxxx) to the start of the character
  // that the cut would split.
  while (end > 0 && (static_cast<unsigned char>(note[end]) & 0xC0U) == 0x80U) --end;
  return std::string(note.substr(0, end));
}

std::string EventNamespace(const EventReference& regarding) {
  return regarding.namespace_name.empty() ? "default" : regarding.namespace_name;
}

std::string EventName(std::string_view regarding_name, uint64_t suffix) {
  constexpr std::string_view kHexDigits = "0123456789abcdef";
  std::string hex;
  do {
    hex.insert(hex.begin(), kHexDigits[suffix & 0xFU]);
    suffix >>= 4U;
  } while (suffix != 0);
  const size_t room = kMaxNameBytes - hex.size() - 1;
  std::string name(regarding_name.substr(0, room));
  // A shortened name must still end alphanumeric to be a valid DNS subdomain.
  while (!name.empty() && (name.back() == '.' || name.back() == '-')) name.pop_back();
  if (name.empty()) name = "event";
  return name + "." + hex;
}

nlohmann::json BuildEvent(const EventReference& regarding, EventType type, std::string_view reason,
                          std::string_view action, std::string_view note, const std::string& name,
                          std::chrono::system_clock::time_point event_time,
                          const std::string& reporting_controller,
                          const std::string& reporting_instance) {
  nlohmann::json reference = nlohmann::json::object();
  const std::array<std::pair<const char*, const std::string*>, 6> fields = {{
      {"apiVersion", &regarding.api_version},
      {"kind", &regarding.kind},
      {"namespace", &regarding.namespace_name},
      {"name", &regarding.name},
      {"uid", &regarding.uid},
      {"resourceVersion", &regarding.resource_version},
  }};
  for (const auto& [field, value] : fields) {
    if (!value->empty()) reference[field] = *value;
  }
  return {
      {"apiVersion", resource_types::Events().ApiVersion()},
      {"kind", "Event"},
      {"metadata", {{"name", name}, {"namespace", EventNamespace(regarding)}}},
      {"eventTime", FormatRfc3339Micros(event_time)},
      {"reportingController", TruncateUtf8(reporting_controller, kMaxEventFieldBytes)},
      {"reportingInstance", TruncateUtf8(reporting_instance, kMaxEventFieldBytes)},
      {"action", TruncateUtf8(action, kMaxEventFieldBytes)},
      {"reason", TruncateUtf8(reason, kMaxEventFieldBytes)},
      {"type", EventTypeName(type)},
      {"note", TruncateUtf8(note, kMaxEventNoteBytes)},
      {"regarding", std::move(reference)},
  };
}

nlohmann::json SeriesPatch(int64_t count, std::chrono::system_clock::time_point last_observed) {
  return {{"series", {{"count", count}, {"lastObservedTime", FormatRfc3339Micros(last_observed)}}}};
}

EventRecorder::EventRecorder(KubeClient& client, EventRecorderOptions options)
    : client_(client),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? *options_.clock : SystemClock::Default()),
      series_(options_.series_window) {
  options_.logger = options_.logger.WithComponent("events");
  thread_ = std::thread([this] { Run(); });
}

EventRecorder::~EventRecorder() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
    dropped_ += queue_.size();
    queue_.clear();
  }
  changed_.notify_all();
  canceller_.Cancel();
  thread_.join();
}

void EventRecorder::Record(const EventReference& regarding, EventType type, std::string_view reason,
                           std::string_view action, std::string_view note) {
  Pending event{regarding,
                type,
                TruncateUtf8(reason, kMaxEventFieldBytes),
                TruncateUtf8(action, kMaxEventFieldBytes),
                TruncateUtf8(note, kMaxEventNoteBytes),
                clock_.WallNow(),
                clock_.Now()};
  {
    const std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= options_.queue_capacity) {
      ++dropped_;
      return;
    }
    queue_.push_back(std::move(event));
  }
  changed_.notify_all();
}

bool EventRecorder::Flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return queue_.empty() && !busy_; });
}

void EventRecorder::Run() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Pending event = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    Status status;
    for (int attempt = 1; attempt <= kWriteAttempts; ++attempt) {
      status = Write(event);
      if (status.ok() || !IsTransient(status) || attempt == kWriteAttempts) break;
      std::unique_lock wait_lock(mutex_);
      if (changed_.wait_for(wait_lock, kRetryWait * attempt, [this] { return stopping_; })) break;
    }
    if (status.ok()) {
      ++written_;
    } else if (status.code() != StatusCode::kCancelled) {
      ++failed_;
      options_.logger.Warning(
          "event not recorded",
          {{"reason", event.reason}, {"object", event.regarding.name}, {"error", status}});
    }
    lock.lock();
    busy_ = false;
    changed_.notify_all();
  }
}

Status EventRecorder::Write(const Pending& event) {
  const EventSeriesKey key = KeyOf(event.regarding, event.reason, event.action, event.note);
  if (const auto repeat = series_.Observe(key, event.time)) {
    auto patched = client_.Patch(resource_types::Events(), {repeat->namespace_name, repeat->name},
                                 SeriesPatch(repeat->count, event.wall_time), PatchType::kMerge, "",
                                 {.canceller = &canceller_});
    if (patched.ok()) return OkStatus();
    // Events expire (the API server keeps them an hour by default): start a
    // new one. Anything else is a real failure; the series stays, so the
    // next repeat patches again.
    if (patched.status().code() != StatusCode::kNotFound) return patched.status();
    series_.Forget(key);
  }
  return CreateNew(event, key);
}

Status EventRecorder::CreateNew(const Pending& event, const EventSeriesKey& key) {
  Status status;
  // A name taken already (another replica, same nanosecond) gets one more try.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const auto nanos =
        std::chrono::duration_cast<std::chrono::nanoseconds>(event.wall_time.time_since_epoch())
            .count();
    // Strictly increasing, so two events about one object recorded within
    // the clock's resolution still get distinct names.
    last_name_suffix_ =
        std::max(last_name_suffix_ + 1, static_cast<uint64_t>(std::max<int64_t>(0, nanos)));
    const std::string name = EventName(event.regarding.name, last_name_suffix_);
    const nlohmann::json object =
        BuildEvent(event.regarding, event.type, event.reason, event.action, event.note, name,
                   event.wall_time, options_.reporting_controller, options_.reporting_instance);
    auto created = client_.Create(resource_types::Events(), EventNamespace(event.regarding), object,
                                  {.canceller = &canceller_});
    if (created.ok()) {
      series_.Created(key, EventNamespace(event.regarding), name, event.time);
      return OkStatus();
    }
    status = created.status();
    if (status.code() != StatusCode::kAlreadyExists) break;
  }
  return status;
}

}  // namespace tessera::kube
