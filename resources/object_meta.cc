#include "resources/object_meta.h"

#include <algorithm>

#include "base/strings.h"

namespace tessera::resources {
namespace {

bool IsLowerAlphanumeric(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

Status ReadStringMap(const nlohmann::json& metadata, const char* field,
                     std::map<std::string, std::string>& out) {
  const auto it = metadata.find(field);
  if (it == metadata.end() || it->is_null()) return OkStatus();
  if (!it->is_object()) {
    return InvalidArgumentError(std::string("metadata.") + field + ": must be a map of strings");
  }
  for (const auto& [key, value] : it->items()) {
    if (!value.is_string()) {
      return InvalidArgumentError(std::string("metadata.") + field + "." + key +
                                  ": must be a string, got " + value.dump());
    }
    out[key] = value.get<std::string>();
  }
  return OkStatus();
}

}  // namespace

std::string ObjectKey::ToString() const {
  return namespace_name.empty() ? name : namespace_name + "/" + name;
}

bool ObjectMeta::HasFinalizer(std::string_view finalizer) const {
  return std::find(finalizers.begin(), finalizers.end(), finalizer) != finalizers.end();
}

StatusOr<ObjectMeta> ObjectMetaFromJson(const nlohmann::json& object) {
  if (!object.is_object()) return InvalidArgumentError("object: must be a map");
  const auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) {
    return InvalidArgumentError("metadata: is required");
  }
  ObjectMeta meta;
  const auto text = [&](const char* field, std::string& out) -> Status {
    const auto it = metadata->find(field);
    if (it == metadata->end() || it->is_null()) return OkStatus();
    if (!it->is_string()) {
      return InvalidArgumentError(std::string("metadata.") + field + ": must be a string");
    }
    out = it->get<std::string>();
    return OkStatus();
  };
  TESSERA_RETURN_IF_ERROR(text("name", meta.name));
  if (meta.name.empty()) return InvalidArgumentError("metadata.name: is required");
  TESSERA_RETURN_IF_ERROR(text("namespace", meta.namespace_name));
  TESSERA_RETURN_IF_ERROR(text("uid", meta.uid));
  TESSERA_RETURN_IF_ERROR(text("resourceVersion", meta.resource_version));
  TESSERA_RETURN_IF_ERROR(text("creationTimestamp", meta.creation_timestamp));
  std::string deletion;
  TESSERA_RETURN_IF_ERROR(text("deletionTimestamp", deletion));
  if (!deletion.empty()) meta.deletion_timestamp = deletion;
  if (const auto generation = metadata->find("generation"); generation != metadata->end()) {
    if (!generation->is_number_integer()) {
      return InvalidArgumentError("metadata.generation: must be an integer");
    }
    meta.generation = generation->get<int64_t>();
  }
  if (const auto finalizers = metadata->find("finalizers");
      finalizers != metadata->end() && !finalizers->is_null()) {
    if (!finalizers->is_array()) {
      return InvalidArgumentError("metadata.finalizers: must be a list of strings");
    }
    for (const nlohmann::json& finalizer : *finalizers) {
      if (!finalizer.is_string()) {
        return InvalidArgumentError("metadata.finalizers: must be a list of strings");
      }
      meta.finalizers.push_back(finalizer.get<std::string>());
    }
  }
  TESSERA_RETURN_IF_ERROR(ReadStringMap(*metadata, "labels", meta.labels));
  TESSERA_RETURN_IF_ERROR(ReadStringMap(*metadata, "annotations", meta.annotations));
  return meta;
}

Status ValidateDnsLabel(std::string_view value) {
  if (value.empty() || value.size() > 63 || !IsLowerAlphanumeric(value.front()) ||
      !IsLowerAlphanumeric(value.back()) || !std::all_of(value.begin(), value.end(), [](char c) {
        return IsLowerAlphanumeric(c) || c == '-';
      })) {
    return InvalidArgumentError(Quote(value) +
                                " must be 1-63 lower-case letters, digits or '-', starting and "
                                "ending with a letter or digit");
  }
  return OkStatus();
}

}  // namespace tessera::resources
