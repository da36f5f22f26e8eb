#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/bench/sse_event_splitter.h"
#include "cli/bench/stream_chunk_parser.h"

namespace tessera::bench {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> Split(const std::vector<std::string>& pieces) {
  SseEventSplitter splitter;
  std::vector<std::string> events;
  for (const std::string& piece : pieces) {
    splitter.Feed(piece, [&](std::string_view data) { events.emplace_back(data); });
  }
  return events;
}

TEST(SseEventSplitterTest, EventsAcrossPieceBoundaries) {
  EXPECT_THAT(Split({"data: {\"a\":", "1}\n", "\ndata: [DO", "NE]\n\n"}),
              ElementsAre("{\"a\":1}", "[DONE]"));
}

TEST(SseEventSplitterTest, CrlfCommentsMultiLineAndOtherFields) {
  EXPECT_THAT(Split({": keep-alive\r\n\r\nevent: x\r\ndata:one\r\ndata: two\r\n\r\n"}),
              ElementsAre("one\ntwo"));
}

TEST(SseEventSplitterTest, UnfinishedEventIsPending) {
  SseEventSplitter splitter;
  int events = 0;
  splitter.Feed("data: {}\n", [&](std::string_view) { ++events; });
  EXPECT_EQ(events, 0);
  EXPECT_TRUE(splitter.has_pending());
}

TEST(StreamChunkParserTest, CompletionChunk) {
  StreamChunkParser parser;
  StatusOr<StreamChunk> chunk = parser.Parse(
      R"({"id":"cmpl-1","object":"text_completion","choices":[{"index":0,"text":" wo\"rd",)"
      R"("logprobs":null,"finish_reason":null}],"usage":null})");
  ASSERT_TRUE(chunk.ok()) << chunk.status();
  EXPECT_TRUE(chunk->has_choices);
  EXPECT_EQ(chunk->text, " wo\"rd");
  EXPECT_FALSE(chunk->completion_tokens.has_value());
}

TEST(StreamChunkParserTest, ChatChunksRoleAndContent) {
  StreamChunkParser parser;
  StatusOr<StreamChunk> role =
      parser.Parse(R"({"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})");
  ASSERT_TRUE(role.ok());
  EXPECT_TRUE(role->has_choices);  // vLLM's benchmark times the first token from here
  EXPECT_EQ(role->text, "");
  StatusOr<StreamChunk> content =
      parser.Parse(R"({"choices":[{"delta":{"content":" hello"},"finish_reason":null}]})");
  EXPECT_EQ(content->text, " hello");
  StatusOr<StreamChunk> null_content =
      parser.Parse(R"({"choices":[{"delta":{"content":null},"finish_reason":"stop"}]})");
  EXPECT_EQ(null_content->text, "");
}

TEST(StreamChunkParserTest, UsageChunkHasNoChoices) {
  StreamChunkParser parser;
  StatusOr<StreamChunk> chunk = parser.Parse(
      R"({"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":34,"total_tokens":46}})");
  ASSERT_TRUE(chunk.ok());
  EXPECT_FALSE(chunk->has_choices);
  EXPECT_EQ(chunk->prompt_tokens, 12);
  EXPECT_EQ(chunk->completion_tokens, 34);
}

TEST(StreamChunkParserTest, ErrorEventsAndGarbage) {
  StreamChunkParser parser;
  StatusOr<StreamChunk> error =
      parser.Parse(R"({"error":{"message":"the engine has died","type":"InternalServerError"}})");
  ASSERT_TRUE(error.ok());
  EXPECT_EQ(error->error, "the engine has died");
  // sglang-router's error event uses Python quoting: not JSON.
  EXPECT_THAT(parser.Parse("{'error': {'message': 'x'}}").status().message(),
              HasSubstr("not a JSON object"));
  EXPECT_FALSE(parser.Parse("[1,2]").ok());
  EXPECT_FALSE(parser.Parse(R"({"choices":[{"text":)").ok());
}

TEST(StreamChunkParserTest, GenerateEventsCarryTheWholeTextSoFar) {
  StreamChunkParser parser;
  // SGLang 0.4.6's /generate stream event.
  StatusOr<StreamChunk> chunk = parser.ParseGenerate(
      R"({"text":" the cat","meta_info":{"id":"a1","finish_reason":null,"prompt_tokens":12,)"
      R"("completion_tokens":2,"cached_tokens":0,"e2e_latency":0.1},"index":0})");
  ASSERT_TRUE(chunk.ok()) << chunk.status();
  EXPECT_TRUE(chunk->has_choices);
  EXPECT_TRUE(chunk->cumulative_text);
  EXPECT_EQ(chunk->text, " the cat");
  EXPECT_EQ(chunk->prompt_tokens, 12);
  EXPECT_EQ(chunk->completion_tokens, 2);
  // SGLang's client does not time an event with no text yet.
  chunk = parser.ParseGenerate(R"({"text":"","meta_info":{"completion_tokens":0}})");
  ASSERT_TRUE(chunk.ok()) << chunk.status();
  EXPECT_FALSE(chunk->has_choices);
  chunk = parser.ParseGenerate(R"({"error":{"message":"The input (9000 tokens) is longer"}})");
  ASSERT_TRUE(chunk.ok()) << chunk.status();
  EXPECT_EQ(chunk->error, "The input (9000 tokens) is longer");
  EXPECT_FALSE(parser.ParseGenerate(R"({"text":7})").ok());
  EXPECT_FALSE(parser.ParseGenerate("[]").ok());
}

}  // namespace
}  // namespace tessera::bench
