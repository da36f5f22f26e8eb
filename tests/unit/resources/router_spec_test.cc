#include "resources/router_spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/yaml_json.h"
#include "resources/model_deployment.h"

namespace tessera::resources {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using wire::EngineKind;

StatusOr<ModelDeploymentSpec> ParseSpec(std::string_view yaml) {
  StatusOr<nlohmann::json> json = YamlToJson(yaml);
  if (!json.ok()) return json.status();
  return ModelDeploymentSpecFromJson(*json);
}

constexpr std::string_view kDisaggregatedSim =
    "model: {source: llama-3.1-8b}\nengine: {kind: sim}\nmode: disaggregated\n"
    "prefill: {replicas: 1}\ndecode: {replicas: 1}\n";

TEST(RouterSpecTest, OneCacheAwareRouterByDefault) {
  StatusOr<ModelDeploymentSpec> spec =
      ParseSpec("model: {source: m}\nengine: {kind: vllm}\nworker: {replicas: 2}\n");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->router, RouterSpec{});
  EXPECT_EQ(spec->router.replicas, 1);
  EXPECT_EQ(spec->Replicas(wire::WorkerRole::kRouter), 1);
  EXPECT_EQ(spec->Replicas(wire::WorkerRole::kDecode), 0) << "not in aggregated mode";
  EXPECT_THAT(spec->ManagedRoles(),
              ElementsAre(wire::WorkerRole::kAggregated, wire::WorkerRole::kRouter));
  EXPECT_THAT(RouterArguments(spec->router, false, EngineKind::kVllm),
              ElementsAre("--policy", "cache_aware"));
}

TEST(RouterSpecTest, ReadsEveryFieldAndRoundTrips) {
  StatusOr<ModelDeploymentSpec> spec = ParseSpec(
      std::string(kDisaggregatedSim) +
      "router: {replicas: 2, policy: round_robin, prefillPolicy: least_load, decodePolicy: "
      "cache_aware, pdProtocol: sglang}\n");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->router.replicas, 2);
  EXPECT_EQ(spec->router.policy, RoutingPolicy::kRoundRobin);
  EXPECT_EQ(spec->router.prefill_policy, RoutingPolicy::kLeastLoad);
  EXPECT_EQ(spec->router.decode_policy, RoutingPolicy::kCacheAware);
  EXPECT_EQ(spec->router.pd_protocol, PdProtocol::kSglang);
  EXPECT_THAT(RouterArguments(spec->router, true, EngineKind::kSim),
              ElementsAre("--policy", "round_robin", "--prefill-policy", "least_load",
                          "--decode-policy", "cache_aware", "--pd-protocol", "sglang"));
  StatusOr<ModelDeploymentSpec> again =
      ModelDeploymentSpecFromJson(ModelDeploymentSpecToJson(*spec));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *spec);
}

TEST(RouterSpecTest, TheHandOffProtocolDefaultsToTheEngines) {
  EXPECT_EQ(PdProtocolFor(EngineKind::kVllm), PdProtocol::kVllm);
  EXPECT_EQ(PdProtocolFor(EngineKind::kSglang), PdProtocol::kSglang);
  EXPECT_EQ(PdProtocolFor(EngineKind::kSim), PdProtocol::kSglang);
  EXPECT_THAT(RouterArguments(RouterSpec{}, true, EngineKind::kVllm),
              ElementsAre("--policy", "cache_aware", "--pd-protocol", "vllm"));
}

TEST(RouterSpecTest, ZeroReplicasMeansNoRouter) {
  StatusOr<ModelDeploymentSpec> spec =
      ParseSpec(std::string(kDisaggregatedSim) + "router: {replicas: 0}\n");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->Replicas(wire::WorkerRole::kRouter), 0);
}

TEST(RouterSpecTest, ErrorsNameTheField) {
  const std::string aggregated = "model: {source: m}\nengine: {kind: sim}\nworker: {replicas: 1}\n";
  const std::pair<std::string, std::string> cases[] = {
      {aggregated + "router: {replicas: -1}\n", "spec.router.replicas: must be between 0 and 100"},
      {aggregated + "router: {policy: random}\n",
       "spec.router.policy: must be round_robin, least_load or cache_aware, got \"random\""},
      {aggregated + "router: {prefillPolicy: least_load}\n",
       "spec.router.prefillPolicy: only disaggregated mode has prefill and decode workers"},
      {aggregated + "router: {decodePolicy: least_load}\n", "spec.router.decodePolicy: only"},
      {aggregated + "router: {port: 8000}\n", "spec.router.port: unknown field"},
      {std::string(kDisaggregatedSim) + "router: {pdProtocol: nixl}\n",
       "spec.router.pdProtocol: must be sglang or vllm, got \"nixl\""},
      {std::string(kDisaggregatedSim) + "router: {pdProtocol: vllm}\n",
       "spec.router.pdProtocol: \"vllm\" does not match engine kind \"sim\", whose workers hand "
       "KV over by the sglang protocol"},
      {"model: {source: m}\nengine: {kind: vllm}\nworker: {replicas: 1}\nrouter: {pdProtocol: "
       "sglang}\n",
       "spec.router.pdProtocol: \"sglang\" does not match engine kind \"vllm\""},
  };
  for (const auto& [yaml, message] : cases) {
    StatusOr<ModelDeploymentSpec> spec = ParseSpec(yaml);
    ASSERT_FALSE(spec.ok()) << yaml;
    EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(spec.status().message(), HasSubstr(message)) << yaml;
  }
}

TEST(RouterSpecTest, StatusCarriesTheEndpointAndRouterCounts) {
  ModelDeploymentStatus status;
  status.endpoint = "http://node-a:20004";
  status.roles[wire::WorkerRole::kRouter] = {.desired = 1, .replicas = 1, .ready = 1, .updated = 1};
  status.workers.push_back({.name = "default.d.router-1a2b3c4d-0",
                            .role = wire::WorkerRole::kRouter,
                            .node = "node-a",
                            .partitions = {},
                            .url = "http://node-a:20004",
                            .bootstrap_port = {},
                            .state = "ready",
                            .ready = true,
                            .updated = true});
  const nlohmann::json json = ModelDeploymentStatusToJson(status);
  EXPECT_EQ(json.at("endpoint"), "http://node-a:20004");
  EXPECT_EQ(json.at("router").at("summary"), "1/1");
  EXPECT_EQ(json.at("workers").at(0).at("role"), "router");
  EXPECT_EQ(ModelDeploymentStatusFromJson(json), status);
}

}  // namespace
}  // namespace tessera::resources
