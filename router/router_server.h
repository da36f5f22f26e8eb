// tessera-router's HTTP face on one port:
//
//   POST /v1/chat/completions, POST /v1/completions   forwarded (ForwardedRequest)
//   GET  /v1/models                                   the served model names
//   GET  /health      200 while the process serves (the agent's liveness probe)
//   GET  /readiness   200 when every role it needs has a worker to take a request
//   GET  /metrics     Prometheus text (RouterMetrics)
//   PUT  /admin/workers, GET /admin/workers           the membership (membership.h)
//
// /admin/* takes the admin bearer token and /v1/* the client API keys, each
// when configured, checked as soon as the headers are in. Bad requests are
// answered 4xx in OpenAI's error shape before any worker is touched.
//
// Everything runs on the io_context's one thread: requests, worker calls,
// health checks and the membership never need a lock.

#ifndef TESSERA_ROUTER_ROUTER_SERVER_H_
#define TESSERA_ROUTER_ROUTER_SERVER_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "base/bearer_token.h"
#include "base/clock.h"
#include "base/logging.h"
#include "http/http_client.h"
#include "http/http_server.h"
#include "router/policy/routing_policy.h"
#include "router/pool/health_checker.h"
#include "router/pool/worker_pool.h"
#include "router/proxy/forwarded_request.h"
#include "router/router_metrics.h"
#include "router/router_options.h"

namespace tessera::router {

class RouterServer {
 public:
  // Reads the token and key files and binds the port. Errors name the flag
  // or file at fault. `clock` must outlive the server.
  static StatusOr<std::unique_ptr<RouterServer>> Start(boost::asio::io_context& io_context,
                                                       RouterOptions options, Logger logger,
                                                       const Clock& clock = SystemClock::Default());

  RouterServer(const RouterServer&) = delete;
  RouterServer& operator=(const RouterServer&) = delete;
  ~RouterServer();

  uint16_t port() const { return http_->port(); }

  // Stops taking requests and health checks; `on_drained` runs once every
  // request in progress has been answered.
  void Shutdown(std::function<void()> on_drained);

 private:
  RouterServer(boost::asio::io_context& io_context, RouterOptions options, Logger logger,
               const Clock& clock, std::optional<TokenFile> admin_tokens,
               std::optional<TokenFile> api_keys);

  std::optional<http::HttpResponse> Screen(const http::HttpRequest& head);
  void Handle(const std::shared_ptr<http::HttpExchange>& exchange);
  void HandleCompletion(const std::shared_ptr<http::HttpExchange>& exchange,
                        openai::Endpoint endpoint);
  void HandleMembership(const std::shared_ptr<http::HttpExchange>& exchange);
  http::HttpResponse Readiness() const;
  std::string MembershipBody() const;
  std::string ModelsBody() const;

  const RouterOptions options_;
  Logger logger_;
  const Clock& clock_;
  // Re-read when a presented token matches none, so a rotation under a
  // running router is followed (base/bearer_token.h).
  std::optional<TokenFile> admin_tokens_;
  std::optional<TokenFile> api_keys_;
  const int64_t created_;  // Unix seconds, for /v1/models
  std::mt19937_64 random_;
  RouterMetrics metrics_;
  WorkerPool pool_;
  std::map<wire::WorkerRole, std::unique_ptr<RoutingPolicy>> policies_;
  // Declared after what its callbacks use: destroyed first, it drops every
  // callback still pending.
  http::HttpClient client_;
  ProxyContext proxy_context_;
  std::unique_ptr<HealthChecker> health_checker_;
  std::unique_ptr<http::HttpServer> http_;
};

}  // namespace tessera::router

#endif  // TESSERA_ROUTER_ROUTER_SERVER_H_
