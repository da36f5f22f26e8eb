// The identity fields every Kubernetes object carries, read from JSON without
// a schema: what the client needs to address an object and what caches need
// to key and order it.

#ifndef TESSERA_KUBE_OBJECT_FIELDS_H_
#define TESSERA_KUBE_OBJECT_FIELDS_H_

#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "resources/object_meta.h"

namespace tessera::kube {

// metadata.namespace (empty when absent) and metadata.name. InvalidArgument
// when there is no metadata map or no name.
StatusOr<resources::ObjectKey> ObjectKeyOf(const nlohmann::json& object);

// metadata.<field> as a string; empty when absent or not a string.
std::string MetadataString(const nlohmann::json& object, const char* field);

// metadata.resourceVersion; empty when absent.
inline std::string ResourceVersionOf(const nlohmann::json& object) {
  return MetadataString(object, "resourceVersion");
}

// Serialises JSON for a request body. InvalidArgument when a string is not
// valid UTF-8, which JSON cannot carry (nlohmann would throw).
StatusOr<std::string> DumpJson(const nlohmann::json& value);

}  // namespace tessera::kube

#endif  // TESSERA_KUBE_OBJECT_FIELDS_H_
