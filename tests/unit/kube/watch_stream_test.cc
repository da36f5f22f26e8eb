#include "kube/watch_stream.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::kube {
namespace {

using ::testing::HasSubstr;

// Hands out scripted chunks; blocks when they run out until more are added,
// the script ends, or Cancel().
class ScriptedBody final : public ResponseBody {
 public:
  void Add(std::string chunk) {
    const std::lock_guard lock(mutex_);
    chunks_.push_back(std::move(chunk));
    changed_.notify_all();
  }
  void End(const Status& status = OkStatus()) {
    const std::lock_guard lock(mutex_);
    ended_ = status;
    changed_.notify_all();
  }

  StatusOr<size_t> Read(char* buffer, size_t capacity) override {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return cancelled_ || !chunks_.empty() || ended_; });
    if (cancelled_) return CancelledError("cancelled");
    if (chunks_.empty()) {
      if (!ended_->ok()) return *ended_;
      return size_t{0};
    }
    std::string& chunk = chunks_.front();
    const size_t n = std::min(capacity, chunk.size());
    chunk.copy(buffer, n);
    chunk.erase(0, n);
    if (chunk.empty()) chunks_.pop_front();
    return n;
  }

  void Cancel() override {
    const std::lock_guard lock(mutex_);
    cancelled_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> chunks_;
  std::optional<Status> ended_;
  bool cancelled_ = false;
};

constexpr std::string_view kAdded =
    R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"10"}}})";
constexpr std::string_view kBookmark =
    R"({"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"12"}}})";

TEST(WatchStreamTest, EventsAcrossChunksThenCleanEnd) {
  auto body = std::make_unique<ScriptedBody>();
  ScriptedBody& script = *body;
  WatchStream stream(std::move(body), "watch /api/v1/pods");
  const std::string text = std::string(kAdded) + "\n" + std::string(kBookmark) + "\n";
  script.Add(text.substr(0, 17));
  script.Add(text.substr(17, 80));
  script.Add(text.substr(97));
  script.End();
  auto first = stream.Next();
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->type, WatchEvent::Type::kAdded);
  EXPECT_EQ((*first)->ResourceVersion(), "10");
  auto second = stream.Next();
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ((*second)->type, WatchEvent::Type::kBookmark);
  EXPECT_EQ((*second)->ResourceVersion(), "12");
  auto end = stream.Next();
  ASSERT_TRUE(end.ok()) << end.status();
  EXPECT_FALSE(end->has_value());
  EXPECT_FALSE(stream.Next()->has_value());  // stays ended
}

TEST(WatchStreamTest, ACutShortEventIsUnavailable) {
  auto body = std::make_unique<ScriptedBody>();
  body->Add(std::string(kAdded) + "\n" + std::string(kAdded.substr(0, 30)));
  body->End();
  WatchStream stream(std::move(body), "watch /x");
  EXPECT_TRUE(stream.Next().ok());
  const auto cut = stream.Next();
  EXPECT_EQ(cut.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(cut.status().message(), HasSubstr("watch /x: the stream ended inside an event"));
}

TEST(WatchStreamTest, AnUnterminatedButCompleteLastEventCounts) {
  auto body = std::make_unique<ScriptedBody>();
  body->Add(std::string(kAdded));
  body->End();
  WatchStream stream(std::move(body), "watch /x");
  const auto event = stream.Next();
  ASSERT_TRUE(event.ok() && event->has_value());
  EXPECT_FALSE(stream.Next()->has_value());
}

TEST(WatchStreamTest, ConnectionErrorsAndBadEventsEndTheStream) {
  auto body = std::make_unique<ScriptedBody>();
  body->Add("not json\n");
  WatchStream stream(std::move(body), "watch /x");
  const auto bad = stream.Next();
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("watch /x: watch event"));
  EXPECT_EQ(stream.Next().status().code(), StatusCode::kInvalidArgument);

  auto broken = std::make_unique<ScriptedBody>();
  broken->End(UnavailableError("connection reset"));
  WatchStream stream2(std::move(broken), "watch /y");
  EXPECT_EQ(stream2.Next().status().code(), StatusCode::kUnavailable);
}

TEST(WatchStreamTest, StopFromAnotherThreadEndsABlockedNext) {
  auto body = std::make_unique<ScriptedBody>();
  WatchStream stream(std::move(body), "watch /x");
  std::atomic<bool> returned{false};
  StatusCode code = StatusCode::kOk;
  std::thread reader([&] {
    code = stream.Next().status().code();
    returned = true;
  });
  // Not a timed assertion: Stop() must wake the reader however late it runs.
  stream.Stop();
  reader.join();
  EXPECT_TRUE(returned);
  EXPECT_EQ(code, StatusCode::kCancelled);
  EXPECT_EQ(stream.Next().status().code(), StatusCode::kCancelled);
}

}  // namespace
}  // namespace tessera::kube
