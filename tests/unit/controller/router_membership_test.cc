#include "controller/routers/router_membership.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::controller {
namespace {

using ::testing::HasSubstr;
using wire::WorkerRole;

TEST(RouterMembershipTest, OrderDoesNotMatter) {
  RouterMembership one;
  one.Add({.url = "http://b:2", .role = WorkerRole::kDecode});
  one.Add({.url = "http://a:1", .role = WorkerRole::kPrefill, .bootstrap_port = 8998});
  RouterMembership other;
  other.Add({.url = "http://a:1", .role = WorkerRole::kPrefill, .bootstrap_port = 8998});
  other.Add({.url = "http://b:2", .role = WorkerRole::kDecode});
  EXPECT_EQ(one, other);
  EXPECT_EQ(one.workers.front().url, "http://a:1");
}

TEST(RouterMembershipTest, RoundTripsThroughTheRoutersJson) {
  RouterMembership membership;
  membership.Add({.url = "http://10.0.0.6:30003", .role = WorkerRole::kAggregated});
  membership.Add(
      {.url = "http://10.0.0.5:30001", .role = WorkerRole::kPrefill, .bootstrap_port = 8998});
  const nlohmann::json json = RouterMembershipToJson(membership);
  EXPECT_EQ(json.at("workers").at(0).at("role"), "prefill");
  EXPECT_EQ(json.at("workers").at(0).at("bootstrapPort"), 8998);
  EXPECT_FALSE(json.at("workers").at(1).contains("bootstrapPort"));
  StatusOr<RouterMembership> read = RouterMembershipFromJson(json);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, membership);
}

TEST(RouterMembershipTest, ErrorsNameTheField) {
  EXPECT_THAT(RouterMembershipFromJson(nlohmann::json::object()).status().message(),
              HasSubstr("workers: must be a list"));
  EXPECT_THAT(RouterMembershipFromJson(nlohmann::json::parse(R"({"workers":[{"role":"decode"}]})"))
                  .status()
                  .message(),
              HasSubstr("workers[0].url: is required"));
  EXPECT_THAT(RouterMembershipFromJson(
                  nlohmann::json::parse(R"({"workers":[{"url":"http://a:1","role":"both"}]})"))
                  .status()
                  .message(),
              HasSubstr("workers[0].role: unknown role \"both\""));
}

}  // namespace
}  // namespace tessera::controller
