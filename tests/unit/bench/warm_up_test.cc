#include "cli/bench/warm_up.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/bench/benchmark_metrics.h"
#include "http/http_server.h"
#include "tests/unit/http/loopback.h"

namespace tessera::bench {
namespace {

using http::testing::IoThread;

// A completions endpoint that streams two tokens per request, or answers
// every request with HTTP 500, and remembers the max_tokens it was asked for.
class CountingServer {
 public:
  explicit CountingServer(bool fail) : fail_(fail) {
    server_ = io_.Run([this] {
      StatusOr<std::unique_ptr<http::HttpServer>> server = http::HttpServer::Start(
          io_.io_context(), {},
          [this](const std::shared_ptr<http::HttpExchange>& exchange) { Answer(exchange); });
      EXPECT_TRUE(server.ok()) << server.status().message();
      return server.ok() ? *std::move(server) : nullptr;
    });
  }
  ~CountingServer() {
    io_.Run([this] {
      server_->Close();
      return 0;
    });
  }
  CountingServer(const CountingServer&) = delete;
  CountingServer& operator=(const CountingServer&) = delete;

  LoadOptions Options() const {
    LoadOptions options;
    options.base_url = "http://127.0.0.1:" + std::to_string(server_->port());
    options.model = "test-model";
    return options;
  }
  std::vector<int64_t> MaxTokensSeen() {
    const std::lock_guard lock(mutex_);
    return max_tokens_;
  }

 private:
  void Answer(const std::shared_ptr<http::HttpExchange>& exchange) {
    {
      const std::lock_guard lock(mutex_);
      max_tokens_.push_back(
          nlohmann::json::parse(exchange->request().body).value("max_tokens", int64_t{-1}));
    }
    if (fail_) {
      (void)exchange->Respond(http::HttpResponse::Json(500, R"({"error":"model not loaded"})"));
      return;
    }
    http::HttpResponse response;
    response.headers.push_back({"Content-Type", "text/event-stream"});
    response.body =
        "data: {\"choices\":[{\"index\":0,\"text\":\"a\"}]}\n\n"
        "data: {\"choices\":[{\"index\":0,\"text\":\" b\"}]}\n\n"
        "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":2}}\n\n"
        "data: [DONE]\n\n";
    (void)exchange->Respond(std::move(response));
  }

  const bool fail_;
  IoThread io_;
  std::unique_ptr<http::HttpServer> server_;
  std::mutex mutex_;
  std::vector<int64_t> max_tokens_;
};

std::vector<BenchmarkPrompt> ThreePrompts() {
  return {{.prompt = "one two three four", .prompt_len = 4, .output_len = 100},
          {.prompt = "five six", .prompt_len = 2, .output_len = 7},
          {.prompt = "seven", .prompt_len = 1, .output_len = 9}};
}

TEST(WarmupPromptsTest, VllmSendsTheFirstPromptUnchanged) {
  const std::vector<BenchmarkPrompt> warmup = WarmupPrompts(ThreePrompts(), 1, Backend::kVllm);
  ASSERT_EQ(warmup.size(), 1u);
  EXPECT_EQ(warmup[0].prompt, "one two three four");
  EXPECT_EQ(warmup[0].output_len, 100);
}

TEST(WarmupPromptsTest, SglangCapsTheOutputAndSendsAsManyAsAsked) {
  const std::vector<BenchmarkPrompt> warmup = WarmupPrompts(ThreePrompts(), 3, Backend::kSglang);
  ASSERT_EQ(warmup.size(), 3u);
  for (const BenchmarkPrompt& prompt : warmup) {
    EXPECT_EQ(prompt.prompt, "one two three four");
    EXPECT_EQ(prompt.output_len, kSglangWarmupOutputLen);
  }
}

TEST(WarmupPromptsTest, ZeroRequestsOrNoPromptsIsNoWarmup) {
  EXPECT_TRUE(WarmupPrompts(ThreePrompts(), 0, Backend::kVllm).empty());
  EXPECT_TRUE(WarmupPrompts({}, 1, Backend::kVllm).empty());
}

TEST(RunLoadAfterWarmupTest, TheWarmupIsSentFirstAndLeftOutOfEveryFigure) {
  CountingServer server(/*fail=*/false);
  const std::vector<BenchmarkPrompt> prompts = ThreePrompts();
  StatusOr<LoadResult> result =
      RunLoadAfterWarmup(server.Options(), prompts, {0, 0, 0},
                         /*warmup_requests=*/1, {}, std::chrono::milliseconds(0));
  ASSERT_TRUE(result.ok()) << result.status().message();
  // Four requests reached the server, the warm-up (the first prompt's) first.
  const std::vector<int64_t> seen = server.MaxTokensSeen();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0], 100);
  // Only the three measured requests are outcomes, and so in the figures.
  ASSERT_EQ(result->outcomes.size(), 3u);
  const BenchmarkMetrics metrics =
      CalculateMetrics(result->outcomes, result->duration_seconds, {99}, {});
  EXPECT_EQ(metrics.completed, 3);
  EXPECT_EQ(metrics.failed, 0);
  EXPECT_EQ(metrics.total_output, 6);
  EXPECT_EQ(metrics.total_input, 12);
}

TEST(RunLoadAfterWarmupTest, NoWarmupSendsOnlyTheMeasuredRequests) {
  CountingServer server(/*fail=*/false);
  StatusOr<LoadResult> result =
      RunLoadAfterWarmup(server.Options(), ThreePrompts(), {0, 0, 0},
                         /*warmup_requests=*/0, {}, std::chrono::milliseconds(0));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(server.MaxTokensSeen().size(), 3u);
}

TEST(RunLoadAfterWarmupTest, AFailedWarmupStopsTheRunWithTheServersReason) {
  CountingServer server(/*fail=*/true);
  StatusOr<LoadResult> result =
      RunLoadAfterWarmup(server.Options(), ThreePrompts(), {0, 0, 0},
                         /*warmup_requests=*/2, {}, std::chrono::milliseconds(0));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kFailedPrecondition);
  const std::string message(result.status().message());
  EXPECT_NE(message.find("warm-up request failed: "), std::string::npos) << message;
  EXPECT_NE(message.find("500"), std::string::npos) << message;
  EXPECT_NE(message.find("model not loaded"), std::string::npos) << message;
  EXPECT_NE(message.find("so the benchmark was not run"), std::string::npos) << message;
  // Only the two warm-up requests were sent: nothing was measured.
  EXPECT_EQ(server.MaxTokensSeen().size(), 2u);
}

}  // namespace
}  // namespace tessera::bench
