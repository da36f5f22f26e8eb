#include "controller/metrics/metrics_server.h"

#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "http/http_server.h"

namespace tessera::controller {

using http::HttpResponse;

struct MetricsServer::State {
  boost::asio::io_context io_context;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work =
      boost::asio::make_work_guard(io_context);
  std::unique_ptr<http::HttpServer> server;
  std::thread thread;
};

StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(const HostPort& address,
                                                              const ControllerMetrics& metrics,
                                                              std::function<bool()> ready,
                                                              Logger logger) {
  auto state = std::make_unique<State>();
  auto handle = [&metrics,
                 ready = std::move(ready)](const std::shared_ptr<http::HttpExchange>& exchange) {
    const http::HttpRequest& request = exchange->request();
    const bool get = request.method == "GET" || request.method == "HEAD";
    const std::string& path = request.path;
    if (path != "/metrics" && path != "/healthz" && path != "/readyz") {
      (void)exchange->Respond(HttpResponse::Text(404, "no route " + path + "\n"));
    } else if (!get) {
      (void)exchange->Respond(
          HttpResponse::Text(405, request.method + " is not allowed on " + path + "\n"));
    } else if (path == "/metrics") {
      (void)exchange->Respond({.status = 200,
                               .headers = {{"Content-Type", "text/plain; version=0.0.4"}},
                               .body = metrics.Serialize()});
    } else if (path == "/healthz") {
      (void)exchange->Respond(HttpResponse::Text(200, "ok\n"));
    } else if (ready()) {
      (void)exchange->Respond(HttpResponse::Text(200, "ready\n"));
    } else {
      (void)exchange->Respond(HttpResponse::Text(503, "starting\n"));
    }
  };
  // Prometheus and two kubelet probes per replica: a handful of
  // connections, never the controller's descriptors for its agents.
  StatusOr<std::unique_ptr<http::HttpServer>> server =
      http::HttpServer::Start(state->io_context,
                              {.host = address.host,
                               .port = static_cast<uint16_t>(address.port),
                               .max_connections = 32,
                               .logger = std::move(logger)},
                              std::move(handle));
  if (!server.ok()) return server.status().WithContext("--metrics-listen");
  state->server = *std::move(server);
  state->thread = std::thread([&io_context = state->io_context] { io_context.run(); });
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(state)));
}

MetricsServer::MetricsServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

MetricsServer::~MetricsServer() {
  state_->work.reset();
  state_->io_context.stop();
  state_->thread.join();
  // The io_context no longer runs, so the server may be closed here.
  state_->server.reset();
}

uint16_t MetricsServer::port() const { return state_->server->port(); }

}  // namespace tessera::controller
