// Scrapes the engines' own /metrics for the agent's /metrics, and keeps what
// each engine last said about the requests it has in hand.
//
// A round GETs every target at once; its merge (EngineMetricsMerger, off the
// loop) comes when the last answer is in, and a round still answering when
// the next is due is left to finish. An engine keeps its last exposition
// when a scrape fails, and loses it when its process exits. Everything here
// runs on the agent's event loop.

#ifndef TESSERA_AGENT_METRICS_ENGINE_METRICS_SCRAPER_H_
#define TESSERA_AGENT_METRICS_ENGINE_METRICS_SCRAPER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "agent/metrics/engine_metrics_merger.h"
#include "agent/metrics/http_fetcher.h"
#include "wire/engine_kind.h"

namespace tessera::agent {

class EngineMetricsScraper {
 public:
  // One engine's metrics, held by its worker: the engine leaves the merged
  // exposition once released (or Removed).
  class Engine {
   public:
    // `labels` are added to every sample; `order` sorts engines in the merge.
    Engine(std::string order, std::vector<std::pair<std::string, std::string>> labels)
        : order_(std::move(order)), labels_(std::move(labels)) {}

    // Requests running and queued at the last scrape that answered, since
    // the engine's process started.
    std::optional<double> in_flight() const { return in_flight_; }

   private:
    friend class EngineMetricsScraper;

    std::string order_;
    std::vector<std::pair<std::string, std::string>> labels_;
    bool running_ = false;
    std::shared_ptr<const std::string> exposition_;
    std::optional<double> in_flight_;
  };

  struct Target {
    std::shared_ptr<Engine> engine;
    std::string url;  // the engine's metrics endpoint
    wire::MetricDialect dialect = wire::MetricDialect::kVllm;
  };

  // Not owned: `loop` and `fetcher` must outlive the scraper. Fetches that
  // answer after the scraper is gone are ignored.
  EngineMetricsScraper(boost::asio::io_context& loop, HttpFetcher& fetcher);
  EngineMetricsScraper(const EngineMetricsScraper&) = delete;
  EngineMetricsScraper& operator=(const EngineMetricsScraper&) = delete;
  ~EngineMetricsScraper();

  std::shared_ptr<Engine> Add(std::string order,
                              std::vector<std::pair<std::string, std::string>> labels);
  // The engine's process started, or was adopted from a previous agent:
  // what its predecessor said is forgotten.
  void Started(Engine& engine);
  // The engine's process exited: its metrics leave the merged exposition;
  // in_flight() keeps its last reading.
  void Exited(Engine& engine);
  // The engine is going away now, before its holder releases it.
  void Remove(Engine& engine);

  // Starts a round over `targets`, unless the last one is still answering.
  void Scrape(const std::vector<Target>& targets);
  // One read of an engine's in-flight requests, outside the rounds (a
  // draining worker's load): `done` gets nullopt when the engine did not
  // answer or reports neither gauge. Not called once the scraper is gone.
  void ReadInFlight(const std::string& url, wire::MetricDialect dialect,
                    std::function<void(std::optional<double> in_flight)> done);

  // Every running engine's last exposition, relabelled and merged.
  const std::string& text() const { return *merged_.text; }
  // The same, as one gzip member; empty when compression failed.
  const std::string& gzip() const { return *merged_.gzip; }
  int64_t scrape_failures() const { return scrape_failures_; }
  int64_t lines_rejected() const { return lines_rejected_; }

 private:
  void Merge();

  HttpFetcher& fetcher_;
  std::vector<std::weak_ptr<Engine>> engines_;
  int scrapes_in_flight_ = 0;
  int64_t scrape_failures_ = 0;
  int64_t lines_rejected_ = 0;
  EngineMetricsMerger::Merged merged_{.text = std::make_shared<const std::string>(),
                                      .gzip = std::make_shared<const std::string>(),
                                      .rejected_lines = 0};
  // Fetches outlive the scraper in the fetcher; their answers check this.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  EngineMetricsMerger merger_;
};

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_METRICS_ENGINE_METRICS_SCRAPER_H_
