#include "controller/store/router_service.h"

#include <algorithm>
#include <array>
#include <map>
#include <tuple>

#include <arpa/inet.h>

namespace tessera::controller {
namespace {

using nlohmann::json;

std::string_view AddressType(const std::string& host) {
  std::array<unsigned char, sizeof(in6_addr)> buffer{};
  if (::inet_pton(AF_INET, host.c_str(), buffer.data()) == 1) return "IPv4";
  if (::inet_pton(AF_INET6, host.c_str(), buffer.data()) == 1) return "IPv6";
  return "FQDN";
}

// Addresses the API server refuses in an EndpointSlice (loopback,
// link-local, unspecified): no client elsewhere in the cluster could reach
// a router there anyway.
bool Unroutable(const std::string& host) {
  std::array<unsigned char, sizeof(in6_addr)> bytes{};
  if (::inet_pton(AF_INET, host.c_str(), bytes.data()) == 1) {
    return bytes[0] == 127 || bytes[0] == 0 || (bytes[0] == 169 && bytes[1] == 254);
  }
  if (::inet_pton(AF_INET6, host.c_str(), bytes.data()) == 1) {
    const bool zero_prefix = std::all_of(bytes.begin(), bytes.begin() + 15,
                                         [](unsigned char byte) { return byte == 0; });
    const bool loopback_or_unspecified = zero_prefix && bytes[15] <= 1;
    return loopback_or_unspecified || (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80);
  }
  return false;
}

json Metadata(const resources::ObjectKey& key, const std::string& uid, const std::string& name,
              json labels) {
  labels["serving.tessera.io/deployment"] = key.name;
  return {{"name", name},
          {"namespace", key.namespace_name},
          {"labels", std::move(labels)},
          {"ownerReferences",
           {{{"apiVersion", "serving.tessera.io/v1alpha1"},
             {"kind", "ModelDeployment"},
             {"name", key.name},
             {"uid", uid},
             {"controller", true},
             {"blockOwnerDeletion", true}}}}};
}

json HttpPort(int port) { return {{"name", "http"}, {"port", port}, {"protocol", "TCP"}}; }

const json& At(const json& object, std::string_view field) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  const auto it = object.find(field);
  return it == object.end() ? kNull : *it;
}

// The ports as name, port and protocol: the server adds targetPort (and,
// for slices, nothing) that the controller does not set.
json PortsOf(const json& ports) {
  json result = json::array();
  if (!ports.is_array()) return result;
  for (const json& port : ports) {
    result.push_back(
        {{"name", At(port, "name")},
         {"port", At(port, "port")},
         {"protocol", At(port, "protocol").is_null() ? json("TCP") : At(port, "protocol")}});
  }
  return result;
}

json AddressesOf(const json& endpoints) {
  json result = json::array();
  if (!endpoints.is_array()) return result;
  for (const json& endpoint : endpoints) {
    result.push_back({{"addresses", At(endpoint, "addresses")},
                      {"ready", At(At(endpoint, "conditions"), "ready")}});
  }
  return result;
}

}  // namespace

json RouterService(const resources::ObjectKey& key, const std::string& uid) {
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata",
           Metadata(key, uid, key.name, {{"app.kubernetes.io/managed-by", kEndpointSliceManager}})},
          {"spec", {{"ports", json::array({HttpPort(80)})}}}};
}

std::vector<json> RouterEndpointSlices(const resources::ObjectKey& key, const std::string& uid,
                                       const std::vector<RouterAddress>& routers) {
  // By name: the address type and port it stands for, and its addresses.
  std::map<std::string, std::tuple<std::string_view, int, std::vector<std::string>>> slices;
  for (const RouterAddress& router : routers) {
    if (Unroutable(router.host)) continue;
    const std::string_view type = AddressType(router.host);
    std::string name = key.name + "-" + std::to_string(router.port);
    if (type == "IPv6") name += "-ipv6";
    if (type == "FQDN") name += "-fqdn";
    auto& [slice_type, port, addresses] = slices[name];
    slice_type = type;
    port = router.port;
    addresses.push_back(router.host);
  }
  std::vector<json> result;
  for (auto& [name, slice] : slices) {
    auto& [type, port, addresses] = slice;
    std::sort(addresses.begin(), addresses.end());
    addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
    json endpoints = json::array();
    for (const std::string& address : addresses) {
      endpoints.push_back({{"addresses", {address}}, {"conditions", {{"ready", true}}}});
    }
    result.push_back({{"apiVersion", "discovery.k8s.io/v1"},
                      {"kind", "EndpointSlice"},
                      {"metadata", Metadata(key, uid, name,
                                            {{"kubernetes.io/service-name", key.name},
                                             {"endpointslice.kubernetes.io/managed-by",
                                              kEndpointSliceManager}})},
                      {"addressType", type},
                      {"ports", json::array({HttpPort(port)})},
                      {"endpoints", std::move(endpoints)}});
  }
  return result;
}

bool SameService(const json& existing, const json& desired) {
  return PortsOf(At(At(existing, "spec"), "ports")) == PortsOf(At(At(desired, "spec"), "ports"));
}

bool SameEndpointSlice(const json& existing, const json& desired) {
  return At(existing, "addressType") == At(desired, "addressType") &&
         PortsOf(At(existing, "ports")) == PortsOf(At(desired, "ports")) &&
         AddressesOf(At(existing, "endpoints")) == AddressesOf(At(desired, "endpoints"));
}

}  // namespace tessera::controller
