#include "router/proxy/handoff.h"

#include <gtest/gtest.h>

namespace tessera::router {
namespace {

using nlohmann::json;

const json kRequest = json::parse(
    R"({"model": "m", "prompt": "hello", "max_tokens": 64, "stream": true,
        "stream_options": {"include_usage": true}})");

TEST(HandoffTest, ProtocolNames) {
  EXPECT_EQ(*ParseHandoffProtocol("sglang"), HandoffProtocol::kSglang);
  EXPECT_EQ(*ParseHandoffProtocol("vllm"), HandoffProtocol::kVllm);
  EXPECT_EQ(ParseHandoffProtocol("nixl").status().message(),
            "must be sglang or vllm, got \"nixl\"");
}

TEST(HandoffTest, SglangAddsTheBootstrapFieldsAndKeepsTheRest) {
  const json body = json::parse(SglangHandoffBody(kRequest, "10.0.0.5", 8998, 42));
  EXPECT_EQ(body["bootstrap_host"], "10.0.0.5");
  EXPECT_EQ(body["bootstrap_port"], 8998);
  EXPECT_EQ(body["bootstrap_room"], 42);
  EXPECT_EQ(body["max_tokens"], 64);
  EXPECT_TRUE(body["stream"].get<bool>());
  EXPECT_TRUE(
      json::parse(SglangHandoffBody(kRequest, "h", std::nullopt, 1))["bootstrap_port"].is_null());
}

TEST(HandoffTest, VllmPrefillAsksForOneTokenWithoutStreaming) {
  const json body = json::parse(VllmPrefillBody(kRequest));
  EXPECT_TRUE(body["kv_transfer_params"]["do_remote_decode"].get<bool>());
  EXPECT_FALSE(body["kv_transfer_params"]["do_remote_prefill"].get<bool>());
  EXPECT_TRUE(body["kv_transfer_params"]["remote_block_ids"].is_null());
  EXPECT_FALSE(body["stream"].get<bool>());
  EXPECT_FALSE(body.contains("stream_options"));
  EXPECT_EQ(body["max_tokens"], 1);
  EXPECT_EQ(body["prompt"], "hello");
}

TEST(HandoffTest, VllmDecodeCarriesWhatThePrefillReturned) {
  StatusOr<std::string> decode = VllmDecodeBody(kRequest, R"({"id": "cmpl-1",
      "kv_transfer_params": {"do_remote_prefill": true, "remote_block_ids": [1, 2],
                             "remote_engine_id": "e1", "remote_host": "10.0.0.5",
                             "remote_port": 5600}})");
  ASSERT_TRUE(decode.ok()) << decode.status();
  const json body = json::parse(*decode);
  EXPECT_EQ(body["kv_transfer_params"]["remote_block_ids"], json::parse("[1, 2]"));
  EXPECT_EQ(body["kv_transfer_params"]["remote_port"], 5600);
  EXPECT_EQ(body["max_tokens"], 64);
  EXPECT_TRUE(body["stream"].get<bool>());
}

TEST(HandoffTest, APrefillAnswerWithoutTransferParametersIsAnError) {
  for (const char* answer : {"{}", "not json", R"({"kv_transfer_params": null})"}) {
    StatusOr<std::string> decode = VllmDecodeBody(kRequest, answer);
    EXPECT_EQ(decode.status().code(), StatusCode::kInternal) << answer;
  }
}

}  // namespace
}  // namespace tessera::router
