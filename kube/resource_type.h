// Which REST collection an object lives in. Tessera knows its resources at
// compile time, so there is no discovery: a ResourceType names the group,
// version and plural that the API server's URL scheme needs.

#ifndef TESSERA_KUBE_RESOURCE_TYPE_H_
#define TESSERA_KUBE_RESOURCE_TYPE_H_

#include <string>
#include <string_view>

namespace tessera::kube {

struct ResourceType {
  // Empty for the core group ("" / v1: pods, namespaces, ...).
  std::string group{};
  std::string version{};
  // The lower-case plural of the URL: "leases", "modeldeployments".
  std::string plural{};
  std::string kind{};
  bool namespaced = true;

  // "group/version", or "v1" for the core group: an object's apiVersion.
  std::string ApiVersion() const;

  // "/api/v1/..." for the core group, "/apis/<group>/<version>/..." otherwise:
  //   Path("ns", "", "")        the collection in one namespace
  //   Path("", "", "")          the collection across all namespaces (or a
  //                             cluster-scoped collection)
  //   Path("ns", "a", "")       one object
  //   Path("ns", "a", "status") its subresource
  // `namespace_name` is ignored for cluster-scoped types. Names are used as
  // given: Kubernetes names never need escaping.
  std::string Path(std::string_view namespace_name, std::string_view name = "",
                   std::string_view subresource = "") const;

  // "leases.coordination.k8s.io", "pods": how kubectl and error messages name it.
  std::string QualifiedName() const;
};

// The types Tessera reads and writes. Functions rather than constants: the
// strings would otherwise be constructed before main, where an allocation
// failure could not be reported.
namespace resource_types {

// coordination.k8s.io/v1 Lease, for leader election.
const ResourceType& Leases();
// events.k8s.io/v1 Event.
const ResourceType& Events();
// v1 Namespace (cluster scoped).
const ResourceType& Namespaces();
// v1 Service and discovery.k8s.io/v1 EndpointSlice: a deployment's
// in-cluster address.
const ResourceType& Services();
const ResourceType& EndpointSlices();
// apiextensions.k8s.io/v1 CustomResourceDefinition (cluster scoped).
const ResourceType& CustomResourceDefinitions();
// serving.tessera.io/v1alpha1, see docs/resources.md.
const ResourceType& ModelDeployments();
const ResourceType& ModelDeploymentRoles();
// Cluster scoped.
const ResourceType& GpuNodes();

}  // namespace resource_types

}  // namespace tessera::kube

#endif  // TESSERA_KUBE_RESOURCE_TYPE_H_
