#include "kube/object_fields.h"

namespace tessera::kube {

std::string MetadataString(const nlohmann::json& object, const char* field) {
  if (!object.is_object()) return "";
  const auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return "";
  const auto value = metadata->find(field);
  return value != metadata->end() && value->is_string() ? value->get<std::string>() : "";
}

StatusOr<resources::ObjectKey> ObjectKeyOf(const nlohmann::json& object) {
  if (!object.is_object()) return InvalidArgumentError("object: must be a JSON object");
  const auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) {
    return InvalidArgumentError("metadata: is required");
  }
  resources::ObjectKey key{MetadataString(object, "namespace"), MetadataString(object, "name")};
  if (key.name.empty()) return InvalidArgumentError("metadata.name: is required");
  return key;
}

StatusOr<std::string> DumpJson(const nlohmann::json& value) {
  try {
    return value.dump();
  } catch (const nlohmann::json::exception& error) {
    return InvalidArgumentError(std::string("cannot serialise JSON: ") + error.what());
  }
}

}  // namespace tessera::kube
