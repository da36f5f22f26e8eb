#include "kube/watch_event.h"

#include <utility>

#include "base/json_fields.h"
#include "base/strings.h"
#include "base/yaml_json.h"

namespace tessera::kube {

std::string WatchEvent::ResourceVersion() const {
  const auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return "";
  const auto version = metadata->find("resourceVersion");
  return version != metadata->end() && version->is_string() ? version->get<std::string>() : "";
}

std::string_view WatchEventTypeName(WatchEvent::Type type) {
  switch (type) {
    case WatchEvent::Type::kAdded:
      return "ADDED";
    case WatchEvent::Type::kModified:
      return "MODIFIED";
    case WatchEvent::Type::kDeleted:
      return "DELETED";
    case WatchEvent::Type::kBookmark:
      return "BOOKMARK";
    case WatchEvent::Type::kError:
      return "ERROR";
  }
  return "UNKNOWN";
}

StatusOr<WatchEvent> ParseWatchEvent(std::string_view line) {
  auto parsed = ParseJson(line);
  if (!parsed.ok()) return parsed.status().WithContext("watch event");
  nlohmann::json& event = *parsed;
  if (!event.is_object()) {
    return InvalidArgumentError("watch event: must be a JSON object, got " + DescribeJson(event));
  }
  const auto type = event.find("type");
  if (type == event.end() || !type->is_string()) {
    return InvalidArgumentError("watch event: type: must be a string");
  }
  WatchEvent result;
  const auto& name = type->get_ref<const std::string&>();
  if (name == "ADDED") {
    result.type = WatchEvent::Type::kAdded;
  } else if (name == "MODIFIED") {
    result.type = WatchEvent::Type::kModified;
  } else if (name == "DELETED") {
    result.type = WatchEvent::Type::kDeleted;
  } else if (name == "BOOKMARK") {
    result.type = WatchEvent::Type::kBookmark;
  } else if (name == "ERROR") {
    result.type = WatchEvent::Type::kError;
  } else {
    return InvalidArgumentError("watch event: type: unknown type " + Quote(name));
  }
  const auto object = event.find("object");
  if (object == event.end() || !object->is_object()) {
    return InvalidArgumentError("watch event: object: must be a JSON object");
  }
  result.object = std::move(*object);
  return result;
}

}  // namespace tessera::kube
