#include "engine/openai/response_writer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tessera::openai {
namespace {

using nlohmann::json;

json EventJson(const std::string& event) {
  EXPECT_EQ(event.rfind("data: ", 0), 0u) << event;
  EXPECT_EQ(event.substr(event.size() - 2), "\n\n");
  return json::parse(event.substr(6));
}

const ResponseContext kChat{Endpoint::kChatCompletions, "chatcmpl-1", 1700000000, "m"};
const ResponseContext kCompletion{Endpoint::kCompletions, "cmpl-1", 1700000000, "m"};

TEST(ResponseWriterTest, ChatChunksFollowVllm) {
  const json role = EventJson(RoleChunk(kChat));
  EXPECT_EQ(role["object"], "chat.completion.chunk");
  EXPECT_EQ(role["choices"][0]["delta"]["role"], "assistant");
  const json content = EventJson(ContentChunk(kChat, " hi\"\n", ""));
  EXPECT_EQ(content["choices"][0]["delta"]["content"], " hi\"\n");
  EXPECT_TRUE(content["choices"][0]["finish_reason"].is_null());
  const json last = EventJson(ContentChunk(kChat, "!", "length"));
  EXPECT_EQ(last["choices"][0]["finish_reason"], "length");
  const json usage = EventJson(UsageChunk(kChat, {.prompt_tokens = 3, .completion_tokens = 4}));
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["total_tokens"], 7);
}

TEST(ResponseWriterTest, CompletionChunksCarryText) {
  const json chunk = EventJson(ContentChunk(kCompletion, "x", "stop"));
  EXPECT_EQ(chunk["object"], "text_completion");
  EXPECT_EQ(chunk["choices"][0]["text"], "x");
  EXPECT_EQ(chunk["choices"][0]["finish_reason"], "stop");
}

TEST(ResponseWriterTest, CompleteResponsesParse) {
  const json chat = json::parse(CompleteResponse(kChat, "hello", "length", {2, 1}));
  EXPECT_EQ(chat["object"], "chat.completion");
  EXPECT_EQ(chat["choices"][0]["message"]["content"], "hello");
  EXPECT_EQ(chat["usage"]["completion_tokens"], 1);
  const json completion = json::parse(CompleteResponse(kCompletion, "hello", "stop", {2, 1}));
  EXPECT_EQ(completion["choices"][0]["text"], "hello");
}

TEST(ResponseWriterTest, ErrorBodyIsVllmShaped) {
  const json error =
      json::parse(ErrorBody(404, "NotFoundError", "The model `x` does not exist.", "model"));
  EXPECT_EQ(error["error"]["code"], 404);
  EXPECT_EQ(error["error"]["param"], "model");
  EXPECT_TRUE(json::parse(ErrorBody(400, "BadRequestError", "bad"))["error"]["param"].is_null());
}

TEST(ResponseWriterTest, JsonStringEscapesControlCharacters) {
  EXPECT_EQ(json::parse(JsonString(std::string("a\x01\tb", 4))), std::string("a\x01\tb", 4));
}

}  // namespace
}  // namespace tessera::openai
