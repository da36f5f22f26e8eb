#include "engine/sglang/generate_request.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tessera::sglang {
namespace {

using nlohmann::json;

GenerateRequest Parse(const json& body) {
  EXPECT_FALSE(CheckGenerateSchema(body).has_value()) << body.dump();
  StatusOr<GenerateRequest> parsed = ParseGenerateRequest(body);
  EXPECT_TRUE(parsed.ok()) << parsed.status().message();
  return parsed.ok() ? *parsed : GenerateRequest{};
}

std::string ValueError(const json& body) {
  EXPECT_FALSE(CheckGenerateSchema(body).has_value()) << body.dump();
  StatusOr<GenerateRequest> parsed = ParseGenerateRequest(body);
  EXPECT_FALSE(parsed.ok()) << body.dump();
  return parsed.ok() ? "" : parsed.status().message();
}

std::string SchemaField(const json& body) {
  const std::optional<SchemaError> error = CheckGenerateSchema(body);
  EXPECT_TRUE(error.has_value()) << body.dump();
  return error ? error->field : "";
}

TEST(GenerateRequestTest, TextWithSamplingParamsAsBenchServingSendsIt) {
  const GenerateRequest request = Parse(json::parse(R"({
    "text": "Hello", "stream": true, "lora_path": null, "return_logprob": false,
    "logprob_start_len": -1,
    "sampling_params": {"temperature": 0.0, "max_new_tokens": 256, "ignore_eos": true}})"));
  ASSERT_TRUE(request.text.has_value());
  EXPECT_EQ(*request.text, "Hello");
  EXPECT_FALSE(request.input_ids.has_value());
  EXPECT_FALSE(request.batch);
  EXPECT_TRUE(request.stream);
  EXPECT_EQ(request.max_new_tokens, 256);
  EXPECT_EQ(request.temperature, 0.0);
  EXPECT_TRUE(request.ignore_eos);
  EXPECT_FALSE(request.bootstrap.has_value());
}

TEST(GenerateRequestTest, DefaultsAreSglangs) {
  const GenerateRequest request = Parse(json{{"text", "a"}});
  EXPECT_FALSE(request.max_new_tokens.has_value());
  EXPECT_FALSE(request.max_new_tokens_unbounded);
  EXPECT_FALSE(request.stream);
  EXPECT_FALSE(request.ignore_eos);
  EXPECT_TRUE(request.stop.empty());
  EXPECT_TRUE(Parse(json::parse(R"({"text":"a","sampling_params":{"max_new_tokens":null}})"))
                  .max_new_tokens_unbounded);
}

TEST(GenerateRequestTest, InputIdsWinOverTextAndBatchesOfOneAreLists) {
  const GenerateRequest ids = Parse(json::parse(R"({"text":"a","input_ids":[5,6,7]})"));
  ASSERT_TRUE(ids.input_ids.has_value());
  EXPECT_EQ(*ids.input_ids, (std::vector<int64_t>{5, 6, 7}));
  EXPECT_FALSE(ids.batch);
  const GenerateRequest nested = Parse(json::parse(R"({"input_ids":[[1,2]]})"));
  EXPECT_TRUE(nested.batch);
  EXPECT_EQ(*nested.input_ids, (std::vector<int64_t>{1, 2}));
  const GenerateRequest text = Parse(json::parse(
      R"({"text":["b"],"rid":["r1"],"sampling_params":[{"max_new_tokens":3,"stop":"x"}]})"));
  EXPECT_TRUE(text.batch);
  EXPECT_EQ(*text.text, "b");
  EXPECT_EQ(*text.rid, "r1");
  EXPECT_EQ(text.max_new_tokens, 3);
  EXPECT_EQ(text.stop, std::vector<std::string>{"x"});
}

TEST(GenerateRequestTest, BootstrapFieldsAsTheRouterSendsThem) {
  const GenerateRequest request = Parse(json::parse(
      R"({"text":"a","bootstrap_host":"10.0.0.5","bootstrap_port":8998,
          "bootstrap_room":18446744073709551615})"));
  ASSERT_TRUE(request.bootstrap.has_value());
  EXPECT_EQ(request.bootstrap->host, "10.0.0.5");
  EXPECT_EQ(request.bootstrap->port, 8998);
  EXPECT_EQ(request.bootstrap->room, 18446744073709551615u);
  EXPECT_NE(ValueError(json::parse(R"({"text":"a","bootstrap_host":"h"})")).find("bootstrap_room"),
            std::string::npos);
}

TEST(GenerateRequestTest, ValueErrorsInSglangsWords) {
  EXPECT_EQ(ValueError(json::parse(R"({"sampling_params":{}})")),
            "Either text, input_ids or input_embeds should be provided.");
  EXPECT_EQ(ValueError(json::parse(R"({"input_ids":[]})")), "input_ids cannot be empty.");
  EXPECT_EQ(ValueError(json::parse(R"({"text":"a","sampling_params":{"temperature":-1.0}})")),
            "temperature must be non-negative, got -1.0.");
  EXPECT_EQ(ValueError(json::parse(R"({"text":"a","sampling_params":{"temperature":-1}})")),
            "temperature must be non-negative, got -1.");
  EXPECT_EQ(ValueError(json::parse(R"({"text":"a","sampling_params":{"max_new_tokens":-1}})")),
            "max_new_tokens must be at least 0, got -1.");
  EXPECT_EQ(ValueError(json::parse(R"({"text":"a","sampling_params":{"top_p":0}})")),
            "top_p must be in (0, 1], got 0.");
  EXPECT_EQ(ValueError(json::parse(R"({"text":"a","sampling_params":{"top_k":0}})")),
            "top_k must be -1 (disable) or at least 1, got 0.");
  EXPECT_EQ(ValueError(json::parse(R"({"text":"a","sampling_params":{"min_p":2.5}})")),
            "min_p must be in [0, 1], got 2.5.");
}

TEST(GenerateRequestTest, WhatTheSimulatorDoesNotRunIsRefusedByName) {
  EXPECT_NE(ValueError(json::parse(R"({"text":["a","b"]})")).find("a batch of 2 prompts"),
            std::string::npos);
  EXPECT_NE(ValueError(json::parse(R"({"input_ids":[[1],[2],[3]]})")).find("a batch of 3"),
            std::string::npos);
  EXPECT_NE(ValueError(json::parse(R"({"text":"a","sampling_params":{"n":2}})")).find("n:"),
            std::string::npos);
  EXPECT_NE(ValueError(json::parse(R"({"text":"a","sampling_params":{"max_new_tokens":0}})"))
                .find("max_new_tokens: 0"),
            std::string::npos);
  EXPECT_NE(ValueError(json::parse(R"({"text":"a","rid":["x","y"]})")).find("rid: a list"),
            std::string::npos);
  EXPECT_NE(ValueError(json::parse(R"({"text":"a","sampling_params":[]})")).find("sampling_params"),
            std::string::npos);
  EXPECT_NE(ValueError(json::parse(R"({"input_ids":[1,-2]})")).find("input_ids"),
            std::string::npos);
  EXPECT_NE(ValueError(json::parse(R"({"text":"a","sampling_params":{"stop":[1]}})")).find("stop"),
            std::string::npos);
  EXPECT_NE(ValueError(json::parse(R"({"text":"a","sampling_params":{"max_new_tokens":"9"}})"))
                .find("max_new_tokens must be an integer"),
            std::string::npos);
}

TEST(GenerateRequestTest, UnknownSamplingParamsAreAccepted) {
  // Newer SGLang releases add parameters that shape a real model's choice.
  const GenerateRequest request = Parse(json::parse(
      R"({"text":"a","sampling_params":{"repetition_penalty":1.1,"json_schema":null,"x":1}})"));
  EXPECT_EQ(*request.text, "a");
}

TEST(GenerateRequestTest, SchemaErrorsNameTheField) {
  EXPECT_EQ(SchemaField(json::array({1, 2})), "body");
  EXPECT_EQ(SchemaField(json::parse(R"({"text":5})")), "text");
  EXPECT_EQ(SchemaField(json::parse(R"({"text":["a",1]})")), "text");
  EXPECT_EQ(SchemaField(json::parse(R"({"input_ids":"1 2"})")), "input_ids");
  EXPECT_EQ(SchemaField(json::parse(R"({"input_ids":[1.5]})")), "input_ids");
  EXPECT_EQ(SchemaField(json::parse(R"({"text":"a","sampling_params":"hot"})")), "sampling_params");
  EXPECT_EQ(SchemaField(json::parse(R"({"text":"a","stream":"yes"})")), "stream");
  EXPECT_EQ(SchemaField(json::parse(R"({"text":"a","rid":7})")), "rid");
}

}  // namespace
}  // namespace tessera::sglang
