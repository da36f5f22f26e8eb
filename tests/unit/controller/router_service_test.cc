#include "controller/store/router_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::controller {
namespace {

using nlohmann::json;

const resources::ObjectKey kKey{"serving", "llama"};

TEST(RouterServiceTest, ASelectorlessServiceOnPort80OwnedByTheDeployment) {
  const json service = RouterService(kKey, "uid-1");
  EXPECT_EQ(service["apiVersion"], "v1");
  EXPECT_EQ(service["metadata"]["name"], "llama");
  EXPECT_EQ(service["metadata"]["namespace"], "serving");
  EXPECT_EQ(service["metadata"]["labels"]["app.kubernetes.io/managed-by"], "tessera-controller");
  EXPECT_EQ(service["metadata"]["labels"]["serving.tessera.io/deployment"], "llama");
  EXPECT_EQ(service["metadata"]["ownerReferences"][0]["kind"], "ModelDeployment");
  EXPECT_EQ(service["metadata"]["ownerReferences"][0]["uid"], "uid-1");
  EXPECT_FALSE(service["spec"].contains("selector"));
  EXPECT_EQ(service["spec"]["ports"],
            json::parse(R"([{"name": "http", "port": 80, "protocol": "TCP"}])"));
}

TEST(RouterServiceTest, OneSlicePerPortAndAddressTypeListingTheRouters) {
  const std::vector<json> slices = RouterEndpointSlices(kKey, "uid-1",
                                                        {{.host = "10.0.0.6", .port = 20004},
                                                         {.host = "10.0.0.5", .port = 20004},
                                                         {.host = "10.0.0.7", .port = 20009},
                                                         {.host = "fd00::7", .port = 20004},
                                                         {.host = "node-c", .port = 20004}});
  ASSERT_EQ(slices.size(), 4U);
  const json& ipv4 = slices[0];
  EXPECT_EQ(ipv4["apiVersion"], "discovery.k8s.io/v1");
  EXPECT_EQ(ipv4["metadata"]["name"], "llama-20004");
  EXPECT_EQ(ipv4["metadata"]["labels"]["kubernetes.io/service-name"], "llama");
  EXPECT_EQ(ipv4["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"],
            "tessera-controller");
  EXPECT_EQ(ipv4["metadata"]["ownerReferences"][0]["name"], "llama");
  EXPECT_EQ(ipv4["addressType"], "IPv4");
  EXPECT_EQ(ipv4["ports"], json::parse(R"([{"name": "http", "port": 20004, "protocol": "TCP"}])"));
  EXPECT_EQ(ipv4["endpoints"], json::parse(R"([
      {"addresses": ["10.0.0.5"], "conditions": {"ready": true}},
      {"addresses": ["10.0.0.6"], "conditions": {"ready": true}}])"));
  EXPECT_EQ(slices[1]["metadata"]["name"], "llama-20004-fqdn");
  EXPECT_EQ(slices[1]["addressType"], "FQDN");
  EXPECT_EQ(slices[2]["metadata"]["name"], "llama-20004-ipv6");
  EXPECT_EQ(slices[2]["addressType"], "IPv6");
  EXPECT_EQ(slices[3]["metadata"]["name"], "llama-20009");
  EXPECT_TRUE(RouterEndpointSlices(kKey, "uid-1", {}).empty());
  EXPECT_TRUE(RouterEndpointSlices(kKey, "uid-1",
                                   {{.host = "127.0.0.1", .port = 1},
                                    {.host = "::1", .port = 1},
                                    {.host = "169.254.0.9", .port = 1},
                                    {.host = "fe80::1", .port = 1},
                                    {.host = "0.0.0.0", .port = 1}})
                  .empty())
      << "addresses the API server refuses";
}

TEST(RouterServiceTest, WhatTheServerAddsIsNotADifference) {
  json stored = RouterService(kKey, "uid-1");
  stored["spec"]["clusterIP"] = "10.96.0.12";
  stored["spec"]["ports"][0]["targetPort"] = 80;
  stored["metadata"]["resourceVersion"] = "42";
  EXPECT_TRUE(SameService(stored, RouterService(kKey, "uid-1")));
  stored["spec"]["ports"][0]["port"] = 8080;
  EXPECT_FALSE(SameService(stored, RouterService(kKey, "uid-1")));

  const json desired = RouterEndpointSlices(kKey, "uid-1", {{.host = "10.0.0.5", .port = 1}})[0];
  json slice = desired;
  slice["metadata"]["resourceVersion"] = "7";
  slice["endpoints"][0]["conditions"]["serving"] = true;
  EXPECT_TRUE(SameEndpointSlice(slice, desired));
  slice["endpoints"][0]["addresses"][0] = "10.0.0.9";
  EXPECT_FALSE(SameEndpointSlice(slice, desired));
}

}  // namespace
}  // namespace tessera::controller
