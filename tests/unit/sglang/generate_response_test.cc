#include "engine/sglang/generate_response.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tessera::sglang {
namespace {

using nlohmann::json;

TEST(GenerateResponseTest, FinishReasonsInSglangsShapes) {
  EXPECT_EQ(json::parse(LengthFinish(16)), json::parse(R"({"type":"length","length":16})"));
  EXPECT_EQ(json::parse(StopStringFinish("\n\"")),
            json::parse(R"({"type":"stop","matched":"\n\""})"));
  EXPECT_EQ(json::parse(StopTokenFinish(128009)),
            json::parse(R"({"type":"stop","matched":128009})"));
  EXPECT_EQ(json::parse(AbortFinish("gone", 500)),
            json::parse(R"({"type":"abort","message":"gone","status_code":500,"err_type":null})"));
}

TEST(GenerateResponseTest, RunningOutputHasNoLatencyAndANullFinish) {
  const json output = json::parse(GenerateOutput(
      " a b", {.id = "abc", .prompt_tokens = 7, .completion_tokens = 2, .cached_tokens = 3}));
  EXPECT_EQ(output, json::parse(R"({"text":" a b","meta_info":{"id":"abc","finish_reason":null,
      "prompt_tokens":7,"completion_tokens":2,"cached_tokens":3}})"));
}

TEST(GenerateResponseTest, FinishedOutputCarriesFinishAndLatency) {
  const json output = json::parse(GenerateOutput("x", {.id = "abc",
                                                       .finish_reason = LengthFinish(1),
                                                       .prompt_tokens = 1,
                                                       .completion_tokens = 1,
                                                       .e2e_latency = 0.125}));
  EXPECT_EQ(output["meta_info"]["finish_reason"]["type"], "length");
  EXPECT_DOUBLE_EQ(output["meta_info"]["e2e_latency"].get<double>(), 0.125);
  EXPECT_FALSE(output.contains("index"));
}

TEST(GenerateResponseTest, StreamedEventsAreDataLinesTaggedWithTheirIndexInABatch) {
  const std::string event = GenerateEvent("hi", {.id = "r"}, 0);
  ASSERT_EQ(event.rfind("data: ", 0), 0u);
  ASSERT_EQ(event.substr(event.size() - 2), "\n\n");
  const json parsed = json::parse(event.substr(6));
  EXPECT_EQ(parsed["text"], "hi");
  EXPECT_EQ(parsed["index"], 0);
}

TEST(GenerateResponseTest, ErrorBodies) {
  EXPECT_EQ(json::parse(ErrorBody("bad \"x\"")),
            json::parse(R"({"error":{"message":"bad \"x\""}})"));
  const json detail = json::parse(ValidationErrorBody("text", "Input should be a string", "5"));
  EXPECT_EQ(detail["detail"][0]["loc"], json::parse(R"(["body","text"])"));
  EXPECT_EQ(detail["detail"][0]["input"], 5);
  EXPECT_EQ(json::parse(ValidationErrorBody("body", "m", "{}"))["detail"][0]["loc"],
            json::parse(R"(["body"])"));
}

}  // namespace
}  // namespace tessera::sglang
