#include "engine/simulator/kv_transfer_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::simulator {
namespace {

using ::testing::HasSubstr;

TEST(KvTransferConfigTest, ReadsNixlConnectorAsVllmTakesIt) {
  StatusOr<KvTransferConfig> config =
      ParseKvTransferConfig(R"({"kv_connector":"NixlConnector","kv_role":"kv_both"})");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->connector, "NixlConnector");
  EXPECT_EQ(config->role, "kv_both");
  EXPECT_TRUE(config->engine_id.empty());
}

TEST(KvTransferConfigTest, AcceptsVllmsOtherFieldsAndAnEngineId) {
  StatusOr<KvTransferConfig> config = ParseKvTransferConfig(
      R"({"kv_connector":"NixlConnector","kv_role":"kv_producer","engine_id":"prefill-0",
          "kv_buffer_device":"cuda","kv_load_failure_policy":"fail",
          "kv_connector_extra_config":{"backends":["UCX"]}})");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->role, "kv_producer");
  EXPECT_EQ(config->engine_id, "prefill-0");
}

TEST(KvTransferConfigTest, RejectsOtherConnectorsRolesAndBadJson) {
  EXPECT_THAT(
      ParseKvTransferConfig(R"({"kv_connector":"LMCacheConnectorV1","kv_role":"kv_both"})")
          .status()
          .message(),
      HasSubstr("kv_connector: only NixlConnector is simulated, got \"LMCacheConnectorV1\""));
  EXPECT_THAT(ParseKvTransferConfig(R"({"kv_connector":"NixlConnector"})").status().message(),
              HasSubstr("kv_role: is required"));
  EXPECT_THAT(ParseKvTransferConfig(R"({"kv_connector":"NixlConnector","kv_role":"both"})")
                  .status()
                  .message(),
              HasSubstr("kv_role: must be kv_both, kv_producer or kv_consumer"));
  EXPECT_THAT(ParseKvTransferConfig(R"({"kv_role":"kv_both"})").status().message(),
              HasSubstr("kv_connector: is required"));
  EXPECT_FALSE(ParseKvTransferConfig("{kv_connector: NixlConnector}").ok());
  EXPECT_THAT(ParseKvTransferConfig("[]").status().message(), HasSubstr("JSON object"));
}

}  // namespace
}  // namespace tessera::simulator
