#include "base/prometheus_text.h"

#include <cmath>
#include <limits>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

TEST(ParsePrometheusTextTest, ReadsSamplesAndSkipsComments) {
  const ParsedExposition parsed = ParsePrometheusText(
      "# HELP vllm:num_requests_running Number of requests in model execution batches.\n"
      "# TYPE vllm:num_requests_running gauge\n"
      "vllm:num_requests_running{engine=\"0\",model_name=\"llama\"} 3\n"
      "\n"
      "# a free comment\n"
      "up 1\n"
      "# EOF\n");
  EXPECT_EQ(parsed.malformed_lines, 0);
  ASSERT_EQ(parsed.samples.size(), 2u);
  EXPECT_EQ(parsed.samples[0].name, "vllm:num_requests_running");
  EXPECT_THAT(parsed.samples[0].labels,
              ElementsAre(Pair("engine", "0"), Pair("model_name", "llama")));
  EXPECT_EQ(parsed.samples[0].value, 3);
  EXPECT_EQ(parsed.samples[1].name, "up");
  EXPECT_TRUE(parsed.samples[1].labels.empty());
  EXPECT_EQ(parsed.samples[1].value, 1);
}

TEST(ParsePrometheusTextTest, UnescapesLabelValues) {
  const ParsedExposition parsed =
      ParsePrometheusText(R"(m{path="C:\\temp",quote="say \"hi\"",lines="a\nb"} 1)");
  ASSERT_EQ(parsed.samples.size(), 1u);
  EXPECT_THAT(
      parsed.samples[0].labels,
      ElementsAre(Pair("path", "C:\\temp"), Pair("quote", "say \"hi\""), Pair("lines", "a\nb")));
}

TEST(ParsePrometheusTextTest, ReadsSpecialValuesExponentsAndTimestamps) {
  const ParsedExposition parsed = ParsePrometheusText(
      "a_bucket{le=\"+Inf\"} +Inf\n"
      "b -Inf\n"
      "c NaN\n"
      "d 1.5e-3 1700000000000\n"
      "e{} -2 -5\n"
      "f\t7\r\n"
      "g{a=\"1\",} 8\n");
  EXPECT_EQ(parsed.malformed_lines, 0);
  ASSERT_EQ(parsed.samples.size(), 7u);
  EXPECT_EQ(parsed.samples[0].value, std::numeric_limits<double>::infinity());
  EXPECT_EQ(parsed.samples[0].labels[0].second, "+Inf");
  EXPECT_EQ(parsed.samples[1].value, -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(parsed.samples[2].value));
  EXPECT_DOUBLE_EQ(parsed.samples[3].value, 0.0015);
  EXPECT_EQ(parsed.samples[4].value, -2);
  EXPECT_EQ(parsed.samples[5].value, 7);
  EXPECT_THAT(parsed.samples[6].labels, ElementsAre(Pair("a", "1")));
}

TEST(ParsePrometheusTextTest, CountsAndSkipsMalformedLines) {
  const ParsedExposition parsed = ParsePrometheusText(
      "ok 1\n"
      "9starts_with_digit 1\n"
      "no_value\n"
      "bad_value abc\n"
      "inf_lower_case inf\n"
      "unterminated{a=\"x} 1\n"
      "bad_escape{a=\"\\t\"} 1\n"
      "no_comma{a=\"1\" b=\"2\"} 1\n"
      "colon_label{a:b=\"1\"} 1\n"
      "bad_timestamp 1 12.5\n"
      "trailing 1 2 3\n"
      "glued1\n"
      "also_ok{a=\"1\"} 2\n");
  EXPECT_EQ(parsed.malformed_lines, 11);
  ASSERT_EQ(parsed.samples.size(), 2u);
  EXPECT_EQ(parsed.samples[0].name, "ok");
  EXPECT_EQ(parsed.samples[1].name, "also_ok");
}

TEST(ParsePrometheusTextTest, ToleratesAnEmptyExpositionAndNoFinalNewline) {
  EXPECT_TRUE(ParsePrometheusText("").samples.empty());
  const ParsedExposition parsed = ParsePrometheusText("x 1\ny 2");
  ASSERT_EQ(parsed.samples.size(), 2u);
  EXPECT_EQ(parsed.samples[1].value, 2);
}

TEST(LexSampleLineTest, KeepsViewsOfTheEscapedText) {
  LexedSampleLine lexed;
  ASSERT_TRUE(LexSampleLine(R"(m{a="x\"y"} 1e3 42)", lexed));
  EXPECT_EQ(lexed.name, "m");
  EXPECT_THAT(lexed.labels, ElementsAre(Pair("a", R"(x\"y)")));
  EXPECT_EQ(lexed.value, "1e3");
  EXPECT_EQ(lexed.timestamp, "42");
  // The label vector is reused, not appended to.
  ASSERT_TRUE(LexSampleLine("n 2", lexed));
  EXPECT_TRUE(lexed.labels.empty());
  EXPECT_TRUE(lexed.timestamp.empty());
}

TEST(ParseSampleValueTest, AcceptsOnlyTheFormatsSpellings) {
  EXPECT_EQ(ParseSampleValue("+12"), 12);
  EXPECT_EQ(ParseSampleValue(".5"), 0.5);
  EXPECT_EQ(ParseSampleValue("-0.25"), -0.25);
  EXPECT_EQ(ParseSampleValue("1e400"), std::numeric_limits<double>::infinity());
  EXPECT_EQ(ParseSampleValue("-1e400"), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(ParseSampleValue("1e-400").value_or(1), 0);
  for (const char* text : {"", "+", "-", "inf", "nan", "Infinity", "0x10", "1,5", "- 1", "--1"}) {
    EXPECT_EQ(ParseSampleValue(text), std::nullopt) << text;
  }
}

TEST(LabelValueTest, FindsALabelOrGivesEmpty) {
  const std::vector<std::pair<std::string, std::string>> labels = {{"role", "decode"}};
  EXPECT_EQ(LabelValue(labels, "role"), "decode");
  EXPECT_EQ(LabelValue(labels, "worker"), "");
}

}  // namespace
}  // namespace tessera
