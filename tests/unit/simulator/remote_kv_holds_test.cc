#include "engine/simulator/remote_kv_holds.h"

#include <chrono>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::simulator {
namespace {

using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class RemoteKvHoldsTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  RemoteKvHolds holds_{clock_, seconds(480), "480s"};
};

TEST_F(RemoteKvHoldsTest, AReadEndsTheHoldAndALateReadSaysItWasRead) {
  holds_.Hold("cmpl-1", {4, 5, 6}, 40);
  StatusOr<HeldKv> read = holds_.BeginRead("cmpl-1", {4, 5, 6});
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->prompt_tokens, 40);
  EXPECT_TRUE(holds_.EndRead("cmpl-1"));
  EXPECT_EQ(holds_.size(), 0u);
  const Status again = holds_.BeginRead("cmpl-1", {4, 5, 6}).status();
  EXPECT_EQ(again.code(), StatusCode::kNotFound);
  EXPECT_THAT(again.message(), HasSubstr("a decode worker has read them"));
  EXPECT_FALSE(holds_.EndRead("cmpl-1"));
}

TEST_F(RemoteKvHoldsTest, UnreadHoldsExpireAtTheTimeoutAndSaySo) {
  holds_.Hold("cmpl-1", {1}, 10);
  clock_.Advance(seconds(100));
  holds_.Hold("cmpl-2", {2}, 10);
  EXPECT_EQ(holds_.NextExpiry(), clock_.Now() + seconds(380));
  clock_.Advance(seconds(379));
  EXPECT_THAT(holds_.Expire(), IsEmpty());
  clock_.Advance(seconds(1));
  EXPECT_THAT(holds_.Expire(), ElementsAre("cmpl-1"));
  EXPECT_EQ(holds_.NextExpiry(), clock_.Now() + seconds(100));
  const Status late = holds_.BeginRead("cmpl-1", {1}).status();
  EXPECT_EQ(late.code(), StatusCode::kNotFound);
  EXPECT_THAT(late.message(),
              HasSubstr("expired unread after 480s (VLLM_NIXL_ABORT_REQUEST_TIMEOUT)"));
  clock_.Advance(seconds(100));
  EXPECT_THAT(holds_.Expire(), ElementsAre("cmpl-2"));
  EXPECT_FALSE(holds_.NextExpiry().has_value());
}

TEST_F(RemoteKvHoldsTest, AHoldBeingReadDoesNotExpire) {
  holds_.Hold("cmpl-1", {1, 2}, 20);
  ASSERT_TRUE(holds_.BeginRead("cmpl-1", {1, 2}).ok());
  EXPECT_FALSE(holds_.NextExpiry().has_value());
  clock_.Advance(seconds(1000));
  EXPECT_THAT(holds_.Expire(), IsEmpty());
  EXPECT_TRUE(holds_.EndRead("cmpl-1"));
}

TEST_F(RemoteKvHoldsTest, RefusesUnknownIdsOtherBlocksAndASecondReader) {
  EXPECT_THAT(holds_.BeginRead("cmpl-9", {1}).status().message(),
              HasSubstr("no KV blocks are held for request cmpl-9: no such prefill request"));
  holds_.Hold("cmpl-1", {1, 2}, 20);
  const Status other = holds_.BeginRead("cmpl-1", {1, 3}).status();
  EXPECT_EQ(other.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(other.message(), HasSubstr("do not match the 2 blocks held"));
  ASSERT_TRUE(holds_.BeginRead("cmpl-1", {1, 2}).ok());
  EXPECT_EQ(holds_.BeginRead("cmpl-1", {1, 2}).status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(RemoteKvHoldsTest, AnAbandonedReadEndsTheHoldToo) {
  holds_.Hold("cmpl-1", {1}, 5);
  ASSERT_TRUE(holds_.BeginRead("cmpl-1", {1}).ok());
  // The reader went away mid-transfer: its worker frees the blocks, as
  // vLLM's decode worker notifies the prefill worker when it aborts.
  EXPECT_TRUE(holds_.EndRead("cmpl-1"));
  EXPECT_EQ(holds_.size(), 0u);
}

}  // namespace
}  // namespace tessera::simulator
