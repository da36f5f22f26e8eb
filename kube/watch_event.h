// One event of a watch stream: {"type": "ADDED", "object": {...}}.

#ifndef TESSERA_KUBE_WATCH_EVENT_H_
#define TESSERA_KUBE_WATCH_EVENT_H_

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace tessera::kube {

struct WatchEvent {
  enum class Type {
    kAdded,
    kModified,
    kDeleted,
    // Only metadata.resourceVersion is meaningful: the stream has caught up
    // to it, and a new watch may resume from it.
    kBookmark,
    // `object` is a metav1.Status; see StatusFromStatusObject (code 410 means
    // the resourceVersion is too old and the watcher must relist).
    kError,
  };

  Type type = Type::kAdded;
  nlohmann::json object;

  // metadata.resourceVersion of the object, empty when there is none (ERROR).
  std::string ResourceVersion() const;
};

// "ADDED", "MODIFIED", ...: the spelling on the wire.
std::string_view WatchEventTypeName(WatchEvent::Type type);

// Parses one line of a watch stream. InvalidArgument when it is not JSON,
// has no known "type" or no "object" map.
StatusOr<WatchEvent> ParseWatchEvent(std::string_view line);

}  // namespace tessera::kube

#endif  // TESSERA_KUBE_WATCH_EVENT_H_
