#include "router/pool/membership.h"

#include <gtest/gtest.h>

namespace tessera::router {
namespace {

using wire::WorkerRole;

TEST(MembershipTest, ParsesEveryRole) {
  StatusOr<std::vector<WorkerEndpoint>> members = ParseMembership(R"({"workers": [
      {"url": "http://10.0.0.5:30001/", "role": "prefill", "bootstrapPort": 8998},
      {"url": "http://10.0.0.5:30002", "role": "decode"},
      {"url": "http://[::1]:30003", "role": "aggregated"}]})");
  ASSERT_TRUE(members.ok()) << members.status();
  ASSERT_EQ(members->size(), 3u);
  EXPECT_EQ((*members)[0], (WorkerEndpoint{.url = "http://10.0.0.5:30001",
                                           .role = WorkerRole::kPrefill,
                                           .bootstrap_port = 8998}));
  EXPECT_EQ((*members)[1].role, WorkerRole::kDecode);
  EXPECT_EQ((*members)[2].url, "http://[::1]:30003");
  EXPECT_TRUE(ParseMembership(R"({"workers": []})")->empty());
}

TEST(MembershipTest, ErrorsNameTheFieldAndTheReason) {
  const std::pair<const char*, const char*> cases[] = {
      {"[", "the body is not valid JSON"},
      {"[]", "the body must be a JSON object, got array of 0 elements"},
      {"{}", "workers: is required"},
      {R"({"workers": {}})", "workers: must be an array, got object of 0 fields"},
      {R"({"workers": [7]})", "workers[0]: must be an object, got number 7"},
      {R"({"workers": [{"role": "decode"}]})", "workers[0].url: is required"},
      {R"({"workers": [{"url": "http://a:1", "role": "router"}]})",
       "workers[0].role: must be aggregated, prefill or decode, got \"router\""},
      {R"({"workers": [{"url": "http://a:1/v1", "role": "decode"}]})",
       "workers[0].url: must be a base URL without a path, got \"http://a:1/v1\""},
      {R"({"workers": [{"url": "http://a:1", "role": "decode", "bootstrapPort": 1}]})",
       "workers[0].bootstrapPort: only prefill workers have one"},
      {R"({"workers": [{"url": "http://a:1", "role": "prefill", "bootstrapPort": 0}]})",
       "workers[0].bootstrapPort: must be between 1 and 65535, got 0"},
      {R"({"workers": [{"url": "http://a:1", "role": "decode", "weight": 2}]})",
       "workers[0].weight: unknown field"},
      {R"({"workers": [{"url": "http://a:1", "role": "decode"},
                       {"url": "http://a:1/", "role": "decode"}]})",
       "workers[1].url: \"http://a:1\" is listed twice"},
  };
  for (const auto& [body, message] : cases) {
    StatusOr<std::vector<WorkerEndpoint>> members = ParseMembership(body);
    ASSERT_FALSE(members.ok()) << body;
    EXPECT_EQ(members.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(members.status().message(), message) << body;
  }
}

TEST(MembershipTest, WorkerFlags) {
  EXPECT_EQ(
      *ParseWorkerFlag("http://p:1,8998", WorkerRole::kPrefill),
      (WorkerEndpoint{.url = "http://p:1", .role = WorkerRole::kPrefill, .bootstrap_port = 8998}));
  EXPECT_EQ(ParseWorkerFlag("http://d:1", WorkerRole::kDecode)->url, "http://d:1");
  EXPECT_FALSE(ParseWorkerFlag("http://d:1,8998", WorkerRole::kDecode).ok());
  EXPECT_FALSE(ParseWorkerFlag("http://p:1,port", WorkerRole::kPrefill).ok());
  EXPECT_FALSE(ParseWorkerFlag("https://p:1", WorkerRole::kPrefill).ok());
}

}  // namespace
}  // namespace tessera::router
