#include "agent/metrics/exposition_relabel.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::agent {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kVllm =
    R"(# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{model_name="llama-8b"} 2.0
# HELP vllm:e2e_request_latency_seconds Histogram of end to end request latency in seconds.
# TYPE vllm:e2e_request_latency_seconds histogram
vllm:e2e_request_latency_seconds_bucket{le="0.3",model_name="llama-8b"} 1.0
vllm:e2e_request_latency_seconds_bucket{le="+Inf",model_name="llama-8b"} 3.0
vllm:e2e_request_latency_seconds_count{model_name="llama-8b"} 3.0
vllm:e2e_request_latency_seconds_sum{model_name="llama-8b"} 1.5
# TYPE process_start_time_seconds gauge
process_start_time_seconds 1.7e+09 1700000000000
)";

RelabelledExposition Worker(std::string_view text, const std::string& name) {
  return RelabelExposition(text, {{"worker", name}, {"partition", "0,1"}});
}

TEST(ExpositionRelabelTest, AddsLabelsToEverySampleAndKeepsHistogramsTogether) {
  const RelabelledExposition relabelled = Worker(kVllm, "w-0");
  EXPECT_EQ(relabelled.malformed_lines, 0);
  ASSERT_EQ(relabelled.families.size(), 3U);
  EXPECT_EQ(relabelled.families[0].samples,
            "vllm:num_requests_running{worker=\"w-0\",partition=\"0,1\",model_name=\"llama-8b\"} "
            "2.0\n");
  EXPECT_EQ(relabelled.families[1].type, "histogram");
  EXPECT_THAT(relabelled.families[1].samples,
              HasSubstr("vllm:e2e_request_latency_seconds_sum{worker=\"w-0\",partition=\"0,1\","
                        "model_name=\"llama-8b\"} 1.5\n"));
  EXPECT_EQ(relabelled.families[2].samples,
            "process_start_time_seconds{worker=\"w-0\",partition=\"0,1\"} 1.7e+09 1700000000000\n");
}

TEST(ExpositionRelabelTest, MergeDeclaresEachFamilyOnce) {
  const RelabelledExposition a = Worker(kVllm, "a");
  const RelabelledExposition b = Worker(kVllm, "b");
  int conflicts = -1;
  const std::string merged = MergeExpositions({&a, &b}, &conflicts);
  EXPECT_EQ(conflicts, 0);
  size_t type_lines = 0;
  for (size_t at = merged.find("# TYPE vllm:e2e_request_latency_seconds "); at != std::string::npos;
       at = merged.find("# TYPE vllm:e2e_request_latency_seconds ", at + 1)) {
    ++type_lines;
  }
  EXPECT_EQ(type_lines, 1U);
  const size_t type = merged.find("# TYPE vllm:num_requests_running gauge\n");
  ASSERT_NE(type, std::string::npos);
  EXPECT_THAT(merged.substr(type),
              HasSubstr("gauge\nvllm:num_requests_running{worker=\"a\",partition=\"0,1\","
                        "model_name=\"llama-8b\"} 2.0\nvllm:num_requests_running{worker=\"b\""));
  // Re-parsing the merged text finds nothing malformed.
  EXPECT_EQ(RelabelExposition(merged, {}).malformed_lines, 0);
}

TEST(ExpositionRelabelTest, ClashingLabelsAreKeptAsExported) {
  const RelabelledExposition relabelled =
      Worker("up{worker=\"engine-side\",path=\"a\\\"b\\\\c\"} 1\n", "w-0");
  ASSERT_EQ(relabelled.families.size(), 1U);
  EXPECT_EQ(relabelled.families[0].samples,
            "up{worker=\"w-0\",partition=\"0,1\",exported_worker=\"engine-side\","
            "path=\"a\\\"b\\\\c\"} 1\n");
}

TEST(ExpositionRelabelTest, AddedValuesAreEscaped) {
  const RelabelledExposition relabelled =
      RelabelExposition("up 1\n", {{"deployment", "a\"b\\c\nd"}});
  EXPECT_EQ(relabelled.families[0].samples, "up{deployment=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(ExpositionRelabelTest, MalformedLinesAreSkippedAndCounted) {
  const RelabelledExposition relabelled = Worker(
      "good 1\n9bad 1\nunclosed{a=\"x 1\nnovalue{a=\"x\"}\nword{a=\"x\"} many\n# TYPE 1x gauge\n"
      "ok{a=\"x\"} NaN\n",
      "w");
  EXPECT_EQ(relabelled.malformed_lines, 5);
  ASSERT_EQ(relabelled.families.size(), 2U);
  EXPECT_EQ(relabelled.families[1].samples, "ok{worker=\"w\",partition=\"0,1\",a=\"x\"} NaN\n");
}

TEST(ExpositionRelabelTest, ConflictingTypesKeepTheFirstDeclaration) {
  const RelabelledExposition gauge = Worker("# TYPE m gauge\nm 1\n", "a");
  const RelabelledExposition counter = Worker("# TYPE m counter\nm 2\n", "b");
  int conflicts = 0;
  const std::string merged = MergeExpositions({&gauge, &counter}, &conflicts);
  EXPECT_EQ(conflicts, 1);
  EXPECT_THAT(merged, HasSubstr("# TYPE m gauge\nm{worker=\"a\""));
  EXPECT_THAT(merged, Not(HasSubstr("worker=\"b\"")));
}

}  // namespace
}  // namespace tessera::agent
