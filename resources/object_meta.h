// The parts of a Kubernetes object's metadata Tessera reads and writes, for
// every kind in serving.tessera.io and for the objects the controller keeps
// (leases, events).

#ifndef TESSERA_RESOURCES_OBJECT_META_H_
#define TESSERA_RESOURCES_OBJECT_META_H_

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace tessera::resources {

inline constexpr std::string_view kGroup = "serving.tessera.io";
inline constexpr std::string_view kVersion = "v1alpha1";
inline constexpr std::string_view kApiVersion = "serving.tessera.io/v1alpha1";

// Namespace and name; the namespace is empty for cluster-scoped kinds.
struct ObjectKey {
  std::string namespace_name{};
  std::string name{};

  // "namespace/name", or "name" when cluster scoped: the spelling kubectl
  // and client-go's cache keys use.
  std::string ToString() const;
  friend auto operator<=>(const ObjectKey&, const ObjectKey&) = default;
};

struct ObjectMeta {
  std::string name{};
  std::string namespace_name{};
  std::string uid{};
  std::string resource_version{};
  int64_t generation = 0;
  std::string creation_timestamp{};
  std::optional<std::string> deletion_timestamp{};
  std::vector<std::string> finalizers{};
  std::map<std::string, std::string> labels{};
  std::map<std::string, std::string> annotations{};

  ObjectKey key() const { return {namespace_name, name}; }
  bool HasFinalizer(std::string_view finalizer) const;
};

// Reads `object["metadata"]`. Errors name the field ("metadata.name: is
// required").
StatusOr<ObjectMeta> ObjectMetaFromJson(const nlohmann::json& object);

// A DNS-1123 label: 1-63 of [a-z0-9-], starting and ending alphanumeric, as
// Kubernetes requires of namespaces and of names that become parts of others.
Status ValidateDnsLabel(std::string_view value);

}  // namespace tessera::resources

#endif  // TESSERA_RESOURCES_OBJECT_META_H_
