#include "kube/watch_event_splitter.h"

#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kube/watch_event.h"

namespace tessera::kube {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Feeds `stream` cut at `cuts` (ascending offsets) and returns every line.
std::vector<std::string> SplitAt(const std::string& stream, const std::vector<size_t>& cuts) {
  WatchEventSplitter splitter;
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t cut : cuts) {
    EXPECT_TRUE(splitter.Feed(std::string_view(stream).substr(start, cut - start), lines).ok());
    start = cut;
  }
  EXPECT_TRUE(splitter.Feed(std::string_view(stream).substr(start), lines).ok());
  if (auto rest = splitter.Finish()) lines.push_back(*rest);
  return lines;
}

std::string Event(const std::string& type, const std::string& name, const std::string& extra = "") {
  return R"({"type":")" + type + R"(","object":{"metadata":{"name":")" + name +
         R"(","resourceVersion":"7"},"note":")" + extra + R"("}})";
}

TEST(WatchEventSplitterTest, EveryTwoWayCutOfSeveralEvents) {
  // Multi-byte UTF-8 (2, 3 and 4 bytes) so that cuts land inside characters.
  const std::vector<std::string> events = {Event("ADDED", "a", "caf\xc3\xa9"),
                                           Event("MODIFIED", "b", "\xe2\x82\xac 5"),
                                           Event("DELETED", "c", "\xf0\x9f\x9a\x80")};
  const std::string stream = events[0] + "\n" + events[1] + "\n" + events[2] + "\n";
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    EXPECT_EQ(SplitAt(stream, {cut}), events) << "cut at " << cut;
  }
}

TEST(WatchEventSplitterTest, ByteByByte) {
  const std::string stream =
      Event("ADDED", "x", "\xe6\x97\xa5\xe6\x9c\xac") + "\n" + Event("BOOKMARK", "y") + "\n";
  std::vector<size_t> cuts;
  for (size_t i = 1; i < stream.size(); ++i) cuts.push_back(i);
  const std::vector<std::string> lines = SplitAt(stream, cuts);
  ASSERT_EQ(lines.size(), 2U);
  const auto first = ParseWatchEvent(lines[0]);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->object["note"], "\xe6\x97\xa5\xe6\x9c\xac");
  EXPECT_EQ(ParseWatchEvent(lines[1])->type, WatchEvent::Type::kBookmark);
}

TEST(WatchEventSplitterTest, RandomChunkingsOfManyEvents) {
  std::mt19937 random(20261202);
  std::vector<std::string> events;
  std::string stream;
  for (int i = 0; i < 200; ++i) {
    events.push_back(Event("MODIFIED", "w-" + std::to_string(i),
                           std::string(static_cast<size_t>(i * 13 % 700), 'z') + "\xc3\xbc"));
    stream += events.back() + "\n";
  }
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<size_t> cuts;
    size_t offset = 0;
    while (true) {
      offset += 1 + random() % 900;
      if (offset >= stream.size()) break;
      cuts.push_back(offset);
    }
    EXPECT_EQ(SplitAt(stream, cuts), events) << "trial " << trial;
  }
}

TEST(WatchEventSplitterTest, HugeEventInSmallChunks) {
  const std::string huge = Event("ADDED", "big", std::string(8 << 20, 'q'));
  const std::string stream = huge + "\n" + Event("DELETED", "big") + "\n";
  WatchEventSplitter splitter;
  std::vector<std::string> lines;
  constexpr size_t kChunk = 4093;  // prime: never aligned with anything
  for (size_t offset = 0; offset < stream.size(); offset += kChunk) {
    ASSERT_TRUE(splitter.Feed(std::string_view(stream).substr(offset, kChunk), lines).ok());
  }
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0], huge);
  EXPECT_EQ(splitter.pending_bytes(), 0U);
}

TEST(WatchEventSplitterTest, CrLfAndBlankLines) {
  EXPECT_THAT(SplitAt("a\r\n\r\n\n  \nb\n", {2, 3}), ElementsAre("a", "b"));
}

TEST(WatchEventSplitterTest, UnterminatedRestComesFromFinish) {
  WatchEventSplitter splitter;
  std::vector<std::string> lines;
  ASSERT_TRUE(splitter.Feed("one\ntw", lines).ok());
  EXPECT_THAT(lines, ElementsAre("one"));
  EXPECT_EQ(splitter.Finish(), "tw");
  EXPECT_EQ(splitter.Finish(), std::nullopt);
  ASSERT_TRUE(splitter.Feed("\n \r\n", lines).ok());
  EXPECT_EQ(splitter.Finish(), std::nullopt);
}

TEST(WatchEventSplitterTest, EventBeyondTheLimitFails) {
  WatchEventSplitter splitter(100);
  std::vector<std::string> lines;
  ASSERT_TRUE(splitter.Feed(std::string(60, 'a'), lines).ok());
  const Status status = splitter.Feed(std::string(60, 'a'), lines);
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(status.message(), HasSubstr("larger than 100 bytes"));
  EXPECT_FALSE(splitter.Feed("\n", lines).ok());
  EXPECT_TRUE(lines.empty());
}

TEST(WatchEventSplitterTest, ManyEventsInOneChunkAtTheLimit) {
  // The limit applies to one event, not to a chunk carrying many.
  WatchEventSplitter splitter(10);
  std::vector<std::string> lines;
  ASSERT_TRUE(splitter.Feed("123456789\n123456789\n123456789\n12", lines).ok());
  EXPECT_EQ(lines.size(), 3U);
}

TEST(WatchEventTest, ParsesTypesAndRejectsJunk) {
  const auto event = ParseWatchEvent(Event("ADDED", "a"));
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->type, WatchEvent::Type::kAdded);
  EXPECT_EQ(event->ResourceVersion(), "7");
  EXPECT_EQ(WatchEventTypeName(WatchEvent::Type::kError), "ERROR");
  EXPECT_THAT(ParseWatchEvent("{").status().message(), HasSubstr("watch event"));
  EXPECT_THAT(ParseWatchEvent(R"({"type":"RENAMED","object":{}})").status().message(),
              HasSubstr("unknown type \"RENAMED\""));
  EXPECT_THAT(ParseWatchEvent(R"({"type":"ADDED"})").status().message(),
              HasSubstr("object: must be a JSON object"));
  EXPECT_THAT(ParseWatchEvent("[]").status().message(), HasSubstr("must be a JSON object"));
}

}  // namespace
}  // namespace tessera::kube
