// The router's own health checks: every worker in the membership gets
// `GET <url>/health` every `interval`, and a worker whose probe fails (no
// connection, no answer within `timeout`, a status other than 200) is out of
// rotation until a probe succeeds. With the defaults a worker that dies is out
// within 250 ms when its port refuses connections, and within about a second
// when it hangs. The router also takes a worker out at once when a request to
// it cannot connect (see ForwardedRequest), without waiting for a probe.

#ifndef TESSERA_ROUTER_POOL_HEALTH_CHECKER_H_
#define TESSERA_ROUTER_POOL_HEALTH_CHECKER_H_

#include <chrono>
#include <set>
#include <string>

#include <boost/asio/steady_timer.hpp>

#include "base/logging.h"
#include "http/http_client.h"
#include "router/pool/worker_pool.h"

namespace tessera::router {

struct HealthCheckOptions {
  std::chrono::milliseconds interval{250};
  std::chrono::milliseconds timeout{750};
  std::string path = "/health";
};

// Runs on the io_context's thread, like the pool it updates.
class HealthChecker {
 public:
  // `pool` must outlive the checker.
  HealthChecker(boost::asio::io_context& io_context, WorkerPool& pool, HealthCheckOptions options,
                Logger logger);

  // Probes now, then every interval.
  void Start();
  void Stop();

 private:
  void ProbeAll();
  void Probe(const std::string& url);
  void Record(const std::string& url, const Status& result);

  WorkerPool& pool_;
  const HealthCheckOptions options_;
  Logger logger_;
  http::HttpClient client_;
  boost::asio::steady_timer timer_;
  std::set<std::string, std::less<>> probing_;  // one probe per worker at a time
  bool stopped_ = false;
};

}  // namespace tessera::router

#endif  // TESSERA_ROUTER_POOL_HEALTH_CHECKER_H_
