#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/simulator/kv_bootstrap_server.h"

namespace tessera::simulator {
namespace {

using ::testing::HasSubstr;

TEST(KvHandoffTest, RoundTripsRoomsBeyondDoublePrecision) {
  const KvHandoff handoff{.room = (uint64_t{1} << 63) - 3,
                          .prompt_tokens = 2048,
                          .first_token = " the",
                          .kv_bytes = 268435456,
                          .transfer_seconds = 0.0053687};
  StatusOr<KvHandoff> parsed = ParseKvHandoff(KvHandoffJson(handoff));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->room, handoff.room);
  EXPECT_EQ(parsed->prompt_tokens, 2048);
  EXPECT_EQ(parsed->first_token, " the");
  EXPECT_EQ(parsed->kv_bytes, 268435456);
  EXPECT_DOUBLE_EQ(parsed->transfer_seconds, 0.0053687);
}

TEST(KvHandoffTest, MalformedHandoffNamesTheField) {
  EXPECT_THAT(ParseKvHandoff("[]").status().message(), HasSubstr("JSON object"));
  EXPECT_THAT(ParseKvHandoff(R"({"bootstrap_room":1,"prompt_tokens":"many"})").status().message(),
              HasSubstr("prompt_tokens"));
  EXPECT_THAT(ParseKvHandoff("{").status().message(), HasSubstr("KV handoff"));
}

TEST(KvHandoffTest, FetchPathCarriesRoomAndBandwidth) {
  EXPECT_EQ(KvFetchPath(42, 5e10), "/tessera/kv/42?bandwidth=50000000000");
}

}  // namespace
}  // namespace tessera::simulator
