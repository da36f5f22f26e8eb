#include "engine/simulator/kv_side_channel.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::simulator {
namespace {

using ::testing::HasSubstr;

TEST(KvSideChannelTest, ReadRequestRoundTrips) {
  const RemoteKvReadRequest request{.engine_id = "e-1",
                                    .request_id = "cmpl-3",
                                    .block_ids = {7, 8, 2048},
                                    .bandwidth_bytes_per_second = 4e9};
  StatusOr<RemoteKvReadRequest> parsed = ParseRemoteKvReadRequest(RemoteKvReadRequestJson(request));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->engine_id, "e-1");
  EXPECT_EQ(parsed->request_id, "cmpl-3");
  EXPECT_EQ(parsed->block_ids, (std::vector<int64_t>{7, 8, 2048}));
  EXPECT_DOUBLE_EQ(parsed->bandwidth_bytes_per_second, 4e9);
}

TEST(KvSideChannelTest, ReadResultRoundTrips) {
  const RemoteKvReadResult result{
      .prompt_tokens = 3001, .kv_bytes = 393347072, .transfer_seconds = 0.0983};
  StatusOr<RemoteKvReadResult> parsed = ParseRemoteKvReadResult(RemoteKvReadResultJson(result));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->prompt_tokens, 3001);
  EXPECT_EQ(parsed->kv_bytes, 393347072);
  EXPECT_DOUBLE_EQ(parsed->transfer_seconds, 0.0983);
}

TEST(KvSideChannelTest, MalformedMessagesNameTheField) {
  EXPECT_THAT(ParseRemoteKvReadRequest(R"({"remote_engine_id":"e","remote_block_ids":[1]})")
                  .status()
                  .message(),
              HasSubstr("remote_request_id: is required"));
  EXPECT_THAT(ParseRemoteKvReadRequest(
                  R"({"remote_engine_id":"e","remote_request_id":"r","remote_block_ids":"1"})")
                  .status()
                  .message(),
              HasSubstr("remote_block_ids"));
  EXPECT_THAT(ParseRemoteKvReadResult(R"({"prompt_tokens":1})").status().message(),
              HasSubstr("KV read result"));
  EXPECT_THAT(ParseRemoteKvReadResult("{").status().message(), HasSubstr("KV read result"));
}

}  // namespace
}  // namespace tessera::simulator
