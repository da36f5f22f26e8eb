#include "kube/resource_type.h"

namespace tessera::kube {

std::string ResourceType::ApiVersion() const {
  return group.empty() ? version : group + "/" + version;
}

std::string ResourceType::Path(std::string_view namespace_name, std::string_view name,
                               std::string_view subresource) const {
  std::string path = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  if (namespaced && !namespace_name.empty()) {
    path += "/namespaces/";
    path += namespace_name;
  }
  path += '/';
  path += plural;
  if (!name.empty()) {
    path += '/';
    path += name;
    if (!subresource.empty()) {
      path += '/';
      path += subresource;
    }
  }
  return path;
}

std::string ResourceType::QualifiedName() const {
  return group.empty() ? plural : plural + "." + group;
}

namespace resource_types {

const ResourceType& Leases() {
  static const ResourceType kType{"coordination.k8s.io", "v1", "leases", "Lease", true};
  return kType;
}

const ResourceType& Events() {
  static const ResourceType kType{"events.k8s.io", "v1", "events", "Event", true};
  return kType;
}

const ResourceType& Namespaces() {
  static const ResourceType kType{"", "v1", "namespaces", "Namespace", false};
  return kType;
}

const ResourceType& Services() {
  static const ResourceType kType{"", "v1", "services", "Service", true};
  return kType;
}

const ResourceType& EndpointSlices() {
  static const ResourceType kType{"discovery.k8s.io", "v1", "endpointslices", "EndpointSlice",
                                  true};
  return kType;
}

const ResourceType& CustomResourceDefinitions() {
  static const ResourceType kType{"apiextensions.k8s.io", "v1", "customresourcedefinitions",
                                  "CustomResourceDefinition", false};
  return kType;
}

const ResourceType& ModelDeployments() {
  static const ResourceType kType{"serving.tessera.io", "v1alpha1", "modeldeployments",
                                  "ModelDeployment", true};
  return kType;
}

const ResourceType& ModelDeploymentRoles() {
  static const ResourceType kType{"serving.tessera.io", "v1alpha1", "modeldeploymentroles",
                                  "ModelDeploymentRole", true};
  return kType;
}

const ResourceType& GpuNodes() {
  static const ResourceType kType{"serving.tessera.io", "v1alpha1", "gpunodes", "GPUNode", false};
  return kType;
}

}  // namespace resource_types
}  // namespace tessera::kube
