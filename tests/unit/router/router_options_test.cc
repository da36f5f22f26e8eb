#include "router/router_options.h"

#include <gtest/gtest.h>

namespace tessera::router {
namespace {

StatusOr<RouterOptions> Parse(std::vector<std::string> args) {
  std::string help;
  return ParseRouterOptions(args, help);
}

TEST(RouterOptionsTest, Defaults) {
  StatusOr<RouterOptions> options = Parse({"--served-model-name", "m"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->aggregated_policy, PolicyKind::kCacheAware);
  EXPECT_EQ(options->proxy.protocol, HandoffProtocol::kSglang);
  EXPECT_EQ(options->proxy.max_retries, 2);
  EXPECT_EQ(options->health.interval, std::chrono::milliseconds(250));
  EXPECT_EQ(options->cache_aware.balance_abs_threshold, 64);
  EXPECT_FALSE(options->seed.has_value());
}

TEST(RouterOptionsTest, PerRolePoliciesFallBackToThePolicy) {
  StatusOr<RouterOptions> options =
      Parse({"--served-model-name", "m", "--policy", "least_load", "--decode-policy", "round_robin",
             "--pd-protocol", "vllm", "--prefill", "http://p:1,8998", "--decode", "http://d:1",
             "--first-byte-timeout", "30s", "--seed", "7"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->prefill_policy, PolicyKind::kLeastLoad);
  EXPECT_EQ(options->decode_policy, PolicyKind::kRoundRobin);
  EXPECT_EQ(options->proxy.protocol, HandoffProtocol::kVllm);
  ASSERT_EQ(options->workers.size(), 2u);
  EXPECT_EQ(options->workers[0].bootstrap_port, 8998);
  EXPECT_EQ(options->proxy.first_byte_timeout, std::chrono::seconds(30));
  EXPECT_EQ(options->seed, 7u);
}

TEST(RouterOptionsTest, ErrorsNameTheFlag) {
  const std::pair<std::vector<std::string>, std::string> cases[] = {
      {{"--served-model-name", "m", "--policy", "random"},
       "--policy: must be round_robin, least_load or cache_aware, got \"random\""},
      {{"--served-model-name", "m", "--decode-policy", "x"},
       "--decode-policy: must be round_robin, least_load or cache_aware, got \"x\""},
      {{"--served-model-name", "m", "--pd-protocol", "nixl"},
       "--pd-protocol: must be sglang or vllm, got \"nixl\""},
      {{"--served-model-name", "m", "--first-byte-timeout", "0s"},
       "--first-byte-timeout: must be at least 1ms, got \"0s\""},
      {{"--served-model-name", "m", "--decode", "http://d:1/v1"},
       "--decode: must be a base URL without a path, got \"http://d:1/v1\""},
      {{"--served-model-name", "m", "--max-body-size", "12"},
       "--max-body-size: must be a size of at least 1KiB, got \"12\""},
  };
  for (const auto& [args, message] : cases) {
    StatusOr<RouterOptions> options = Parse(args);
    ASSERT_FALSE(options.ok()) << message;
    EXPECT_EQ(options.status().message(), message);
  }
  EXPECT_FALSE(Parse({}).ok());  // --served-model-name is required
}

}  // namespace
}  // namespace tessera::router
