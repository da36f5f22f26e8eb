#include "agent/metrics/engine_metrics_scraper.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/agent/fakes/fake_http_fetcher.h"

namespace tessera::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Optional;

class EngineMetricsScraperTest : public ::testing::Test {
 protected:
  static EngineMetricsScraper::Target TargetFor(
      const std::shared_ptr<EngineMetricsScraper::Engine>& engine, int port) {
    return {.engine = engine,
            .url = "http://127.0.0.1:" + std::to_string(port) + "/metrics",
            .dialect = wire::MetricDialect::kVllm};
  }

  boost::asio::io_context loop_;
  testing::FakeHttpFetcher fetcher_;
  EngineMetricsScraper scraper_{loop_, fetcher_};
};

TEST_F(EngineMetricsScraperTest, ARoundReadsEachEngineAndCountsFailures) {
  auto a = scraper_.Add("a", {{"worker", "a"}});
  auto b = scraper_.Add("b", {{"worker", "b"}});
  scraper_.Started(*a);
  scraper_.Started(*b);
  scraper_.Scrape({TargetFor(a, 20000), TargetFor(b, 20001)});
  EXPECT_THAT(fetcher_.PendingUrls(),
              ElementsAre("http://127.0.0.1:20000/metrics", "http://127.0.0.1:20001/metrics"));
  scraper_.Scrape({TargetFor(a, 20000)});
  EXPECT_EQ(fetcher_.requests_made(), 2) << "a round still answering is left to finish";

  fetcher_.Answer(":20000/", std::string("vllm:num_requests_running 3\n"));
  fetcher_.Answer(":20001/", UnavailableError("connection refused"));
  EXPECT_THAT(a->in_flight(), Optional(3.0));
  EXPECT_EQ(b->in_flight(), std::nullopt);
  EXPECT_EQ(scraper_.scrape_failures(), 1);

  scraper_.Exited(*a);
  EXPECT_THAT(a->in_flight(), Optional(3.0)) << "the last reading outlives the process";
  scraper_.Started(*a);
  EXPECT_EQ(a->in_flight(), std::nullopt) << "a new process starts with nothing known";
}

TEST_F(EngineMetricsScraperTest, AnswersAfterTheScraperOrTheEngineIsGoneAreIgnored) {
  auto engine = scraper_.Add("a", {});
  scraper_.Started(*engine);
  scraper_.Scrape({TargetFor(engine, 20000)});
  engine.reset();
  fetcher_.AnswerAll(UnavailableError("connection refused"));
  EXPECT_EQ(scraper_.scrape_failures(), 0) << "an engine released is nobody's failure";

  std::optional<std::optional<double>> read;
  {
    EngineMetricsScraper gone(loop_, fetcher_);
    gone.ReadInFlight("http://127.0.0.1:20000/metrics", wire::MetricDialect::kVllm,
                      [&read](std::optional<double> in_flight) { read = in_flight; });
  }
  fetcher_.AnswerAll(std::string("vllm:num_requests_running 1\n"));
  EXPECT_EQ(read, std::nullopt);
  EXPECT_THAT(fetcher_.PendingUrls(), IsEmpty());
}

}  // namespace
}  // namespace tessera::agent
