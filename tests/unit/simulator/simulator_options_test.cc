#include "engine/simulator/simulator_options.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::simulator {
namespace {

using ::testing::HasSubstr;

StatusOr<SimulatorOptions> Parse(std::vector<std::string> extra) {
  std::vector<std::string> args = {"--model", "llama-3.1-8b", "--hardware", "mi300x:cpx"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::string help;
  return ParseSimulatorOptions(args, help);
}

TEST(SimulatorOptionsTest, DisaggregationDefaultsFollowSglang) {
  StatusOr<SimulatorOptions> options = Parse({"--disaggregation-mode", "prefill"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->disaggregation_mode, DisaggregationMode::kPrefill);
  EXPECT_EQ(options->disaggregation_bootstrap_port, 8998);
  EXPECT_DOUBLE_EQ(options->disaggregation_transfer_bandwidth, 50e9);
  EXPECT_DOUBLE_EQ(options->disaggregation_timeout.count(), 300);
}

TEST(SimulatorOptionsTest, TransferBandwidthTakesBytesOrBitsPerSecond) {
  EXPECT_DOUBLE_EQ(
      Parse({"--disaggregation-transfer-bandwidth", "400Gb/s"})->disaggregation_transfer_bandwidth,
      50e9);
  EXPECT_DOUBLE_EQ(
      Parse({"--disaggregation-transfer-bandwidth", "25GB/s"})->disaggregation_transfer_bandwidth,
      25e9);
  EXPECT_DOUBLE_EQ(
      Parse({"--disaggregation-transfer-bandwidth", "1GiB"})->disaggregation_transfer_bandwidth,
      1073741824.0);
}

TEST(SimulatorOptionsTest, BadDisaggregationFlagsNameTheFlag) {
  EXPECT_THAT(Parse({"--disaggregation-transfer-bandwidth", "fast"}).status().message(),
              HasSubstr("--disaggregation-transfer-bandwidth"));
  EXPECT_THAT(Parse({"--disaggregation-transfer-bandwidth", "0GB/s"}).status().message(),
              HasSubstr("must be a positive rate"));
  EXPECT_THAT(Parse({"--disaggregation-timeout", "0s"}).status().message(),
              HasSubstr("--disaggregation-timeout"));
  EXPECT_THAT(Parse({"--disaggregation-mode", "both"}).status().message(),
              HasSubstr("--disaggregation-mode"));
}

}  // namespace
}  // namespace tessera::simulator
