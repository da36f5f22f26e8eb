// The objects that give a deployment its in-cluster address in Kubernetes:
// a Service `<deployment>` without a selector (port 80, named http) and
// EndpointSlices, managed by tessera-controller, listing the ready routers.
//
// Routers run as the agents' child processes, not as pods, so no selector
// can find them: the controller writes the endpoints itself, as the
// EndpointSlice API allows any controller to (`endpointslice.kubernetes.io/
// managed-by` tells kube-proxy's and the cluster's own controllers apart).
// Each router has the port its agent gave it, and a slice has one port for
// all its endpoints, so there is one slice per port (and address type):
// `<deployment>-<port>` for IPv4, `-ipv6` and `-fqdn` after it for the
// others (kube-proxy serves only the IP types; an agent that advertises a
// hostname still gets its routers listed, for DNS-based clients).
//
// Pure functions of the deployment and its routers, so the objects are
// unit-tested; KubeDeploymentStore keeps the cluster's in line with them.

#ifndef TESSERA_CONTROLLER_STORE_ROUTER_SERVICE_H_
#define TESSERA_CONTROLLER_STORE_ROUTER_SERVICE_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controller/store/deployment_store.h"
#include "resources/object_meta.h"

namespace tessera::controller {

inline constexpr std::string_view kEndpointSliceManager = "tessera-controller";

// The Service `key.name` in `key.namespace_name`, owned by the deployment
// whose uid is `uid`.
nlohmann::json RouterService(const resources::ObjectKey& key, const std::string& uid);

// The EndpointSlices for `routers`, sorted by name, their endpoints by
// address. Loopback, link-local and unspecified addresses are left out:
// the API server refuses them, and no other host could use them. None for
// no routers: an empty slice says nothing more than none.
std::vector<nlohmann::json> RouterEndpointSlices(const resources::ObjectKey& key,
                                                 const std::string& uid,
                                                 const std::vector<RouterAddress>& routers);

// Whether `existing` (as the API server returns it) already says what
// `desired` says: the Service's ports, a slice's address type, ports and
// endpoints. Metadata the server adds is ignored.
bool SameService(const nlohmann::json& existing, const nlohmann::json& desired);
bool SameEndpointSlice(const nlohmann::json& existing, const nlohmann::json& desired);

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_STORE_ROUTER_SERVICE_H_
