#include "cli/bench/expectations.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/file.h"

namespace tessera::bench {
namespace {

using ::testing::HasSubstr;

nlohmann::ordered_json Result(double output_throughput, double mean_ttft, double mean_tpot) {
  return {{"output_throughput", output_throughput},
          {"mean_ttft_ms", mean_ttft},
          {"mean_tpot_ms", mean_tpot}};
}

TEST(ExpectationsTest, ReadsSglangsPdConfigShape) {
  StatusOr<std::vector<Expectation>> expectations = ParseExpectations(
      R"({"expected_results": {"auto": {"output_throughput_per_sec": "21000",
           "mean_ttft_ms": "34500", "mean_tpot_ms": 50}}})",
      "");
  ASSERT_TRUE(expectations.ok()) << expectations.status();
  ASSERT_EQ(expectations->size(), 3u);
  for (const Expectation& expectation : *expectations) {
    if (expectation.name == "output_throughput_per_sec") {
      EXPECT_EQ(expectation.result_key, "output_throughput");
      EXPECT_TRUE(expectation.at_least);
      EXPECT_EQ(expectation.bound, 21000);
    } else {
      EXPECT_FALSE(expectation.at_least) << expectation.name;
    }
  }

  const Verdict pass = CheckExpectations(*expectations, Result(22000, 30000, 45));
  EXPECT_TRUE(pass.passed);
  EXPECT_THAT(pass.report, HasSubstr("PASS"));
  const Verdict fail = CheckExpectations(*expectations, Result(20000, 30000, 55));
  EXPECT_FALSE(fail.passed);
  EXPECT_THAT(fail.report,
              HasSubstr("FAIL  output_throughput_per_sec = 20000.00, at least 21000.00"));
  EXPECT_THAT(fail.report, HasSubstr("FAIL  mean_tpot_ms = 55.00, at most 50.00"));
  EXPECT_THAT(fail.report, HasSubstr("ok    mean_ttft_ms"));
}

TEST(ExpectationsTest, TheDomainConfigNeedsAPathAndFindsItsFigures) {
  const std::string config = R"({"benchmark_params": {
      "llama-70b": {"inference_tests": {
        "gsm8k": {"expected_results": {"auto": {"tokens_per_sec": "2300"}}},
        "bench_serv_random": {"expected_results": {"auto": {"mean_ttft_ms": "34500"}}}}}}})";
  EXPECT_THAT(ParseExpectations(config, "").status().message(),
              HasSubstr("benchmark_params.llama-70b.inference_tests.gsm8k"));
  StatusOr<std::vector<Expectation>> chosen =
      ParseExpectations(config, "benchmark_params.llama-70b.inference_tests.bench_serv_random");
  ASSERT_TRUE(chosen.ok()) << chosen.status();
  EXPECT_EQ((*chosen)[0].result_key, "mean_ttft_ms");
  EXPECT_THAT(ParseExpectations(config, "benchmark_params.mistral").status().message(),
              HasSubstr("no member \"mistral\""));
}

TEST(ExpectationsTest, YamlAndBadFigures) {
  StatusOr<std::vector<Expectation>> yaml =
      ParseExpectations("expected_results:\n  p99_itl_ms: 80\n  request_throughput: 3\n", "");
  ASSERT_TRUE(yaml.ok()) << yaml.status();
  ASSERT_EQ(yaml->size(), 2u);
  EXPECT_EQ((*yaml)[0].name, "p99_itl_ms");  // keys in sorted order
  EXPECT_FALSE((*yaml)[0].at_least);
  EXPECT_TRUE((*yaml)[1].at_least);
  EXPECT_THAT(ParseExpectations("expected_results:\n  speed: 3\n", "").status().message(),
              HasSubstr("expected_results.speed"));
  EXPECT_THAT(ParseExpectations("expected_results:\n  mean_ttft_ms: fast\n", "").status().message(),
              HasSubstr("must be a number"));
  EXPECT_THAT(ParseExpectations("other: 1\n", "").status().message(),
              HasSubstr("no \"expected_results\""));
}

TEST(ExpectationsTest, MissingFigureFails) {
  const Verdict verdict = CheckExpectations(
      *ParseExpectations(R"({"expected_results": {"p99_e2el_ms": 10}})", ""), Result(1, 1, 1));
  EXPECT_FALSE(verdict.passed);
  EXPECT_THAT(verdict.report, HasSubstr("p99_e2el_ms = missing"));
}

}  // namespace
}  // namespace tessera::bench
