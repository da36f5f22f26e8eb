#include "router/pool/health_checker.h"

namespace tessera::router {

HealthChecker::HealthChecker(boost::asio::io_context& io_context, WorkerPool& pool,
                             HealthCheckOptions options, Logger logger)
    : pool_(pool),
      options_(std::move(options)),
      logger_(std::move(logger)),
      client_(io_context, {.connect_timeout = options_.timeout,
                           .read_timeout = options_.timeout,
                           .total_timeout = options_.timeout,
                           .pool_idle_timeout = options_.interval * 4,
                           .max_idle_connections_per_host = 1,
                           .timer_resolution = std::chrono::milliseconds(50)}),
      timer_(io_context) {}

void HealthChecker::Start() {
  stopped_ = false;
  ProbeAll();
}

void HealthChecker::Stop() {
  stopped_ = true;
  timer_.cancel();
}

void HealthChecker::ProbeAll() {
  if (stopped_) return;
  for (const auto& [url, worker] : pool_.workers()) {
    if (!probing_.contains(url)) Probe(url);
  }
  timer_.expires_after(options_.interval);
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) ProbeAll();
  });
}

void HealthChecker::Probe(const std::string& url) {
  probing_.insert(url);
  client_.Fetch({.method = "GET", .url = url + options_.path},
                [this, url](StatusOr<http::HttpClientResponse> response) {
                  probing_.erase(url);
                  Record(url, response.status());
                });
}

void HealthChecker::Record(const std::string& url, const Status& result) {
  const auto worker = pool_.workers().find(url);
  if (worker == pool_.workers().end()) return;  // forgotten meanwhile
  const bool healthy = result.ok();
  if (healthy != worker->second.healthy) {
    if (healthy) {
      logger_.Info("worker healthy", {{"worker", url}});
    } else {
      logger_.Warning("worker unhealthy", {{"worker", url}, {"error", result.message()}});
    }
  }
  pool_.SetHealth(url, healthy, healthy ? "" : result.message());
}

}  // namespace tessera::router
