#include "agent/metrics/engine_metrics_scraper.h"

#include <algorithm>

#include "agent/metrics/in_flight_requests.h"

namespace tessera::agent {

EngineMetricsScraper::EngineMetricsScraper(boost::asio::io_context& loop, HttpFetcher& fetcher)
    : fetcher_(fetcher), merger_(loop, [this](EngineMetricsMerger::Merged merged) {
        lines_rejected_ += merged.rejected_lines;
        merged_ = std::move(merged);
      }) {}

EngineMetricsScraper::~EngineMetricsScraper() { *alive_ = false; }

std::shared_ptr<EngineMetricsScraper::Engine> EngineMetricsScraper::Add(
    std::string order, std::vector<std::pair<std::string, std::string>> labels) {
  std::erase_if(engines_, [](const std::weak_ptr<Engine>& engine) { return engine.expired(); });
  auto engine = std::make_shared<Engine>(std::move(order), std::move(labels));
  engines_.push_back(engine);
  return engine;
}

void EngineMetricsScraper::Started(Engine& engine) {
  engine.running_ = true;
  engine.in_flight_.reset();
  engine.exposition_.reset();
  Merge();
}

void EngineMetricsScraper::Exited(Engine& engine) {
  engine.running_ = false;
  engine.exposition_.reset();
  Merge();
}

void EngineMetricsScraper::Remove(Engine& engine) { Exited(engine); }

void EngineMetricsScraper::Scrape(const std::vector<Target>& targets) {
  // A round still answering (an engine slower than the period) is left to
  // finish; its merge comes when it does.
  if (scrapes_in_flight_ > 0) return;
  for (const Target& target : targets) {
    ++scrapes_in_flight_;
    fetcher_.Fetch(target.url, [this, alive = std::weak_ptr<bool>(alive_),
                                engine = std::weak_ptr<Engine>(target.engine),
                                dialect = target.dialect](StatusOr<std::string> body) {
      if (alive.expired()) return;
      std::shared_ptr<Engine> scraped = engine.lock();
      if (scraped && body.ok()) {
        scraped->in_flight_ = InFlightRequests(*body, dialect);
        scraped->exposition_ = std::make_shared<const std::string>(*std::move(body));
      } else if (scraped) {
        // It keeps its last metrics.
        ++scrape_failures_;
      }
      if (--scrapes_in_flight_ == 0) Merge();
    });
  }
}

void EngineMetricsScraper::ReadInFlight(const std::string& url, wire::MetricDialect dialect,
                                        std::function<void(std::optional<double>)> done) {
  fetcher_.Fetch(url, [alive = std::weak_ptr<bool>(alive_), dialect,
                       done = std::move(done)](const StatusOr<std::string>& body) {
    if (alive.expired()) return;
    done(body.ok() ? InFlightRequests(*body, dialect) : std::nullopt);
  });
}

void EngineMetricsScraper::Merge() {
  std::vector<std::shared_ptr<Engine>> running;
  for (const std::weak_ptr<Engine>& weak : engines_) {
    std::shared_ptr<Engine> engine = weak.lock();
    if (engine && engine->running_ && engine->exposition_) running.push_back(std::move(engine));
  }
  std::stable_sort(running.begin(), running.end(),
                   [](const auto& a, const auto& b) { return a->order_ < b->order_; });
  std::vector<EngineMetricsMerger::Source> sources;
  sources.reserve(running.size());
  for (const std::shared_ptr<Engine>& engine : running) {
    sources.push_back({.labels = engine->labels_, .exposition = engine->exposition_});
  }
  merger_.Merge(std::move(sources));
}

}  // namespace tessera::agent
