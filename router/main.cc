// tessera-router: one OpenAI endpoint in front of a deployment's engine
// workers — aggregated, or prefill→decode disaggregated — with cache-aware
// routing, its own health checks, retries and circuit breakers.
//
// Threads. One: the main thread runs the event loop, and everything —
// client requests and streams, calls to workers, health checks, the admin
// API, signals — is a handler on it, so nothing in the router takes a lock.

#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "base/logging.h"
#include "router/router_options.h"
#include "router/router_server.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  std::string help;
  tessera::StatusOr<tessera::router::RouterOptions> options =
      tessera::router::ParseRouterOptions(args, help);
  if (!options.ok()) {
    if (options.status().code() == tessera::StatusCode::kCancelled) {
      std::cout << help;
      return 0;
    }
    std::cerr << "tessera-router: " << options.status().message() << "\n";
    return 2;
  }
  tessera::Logger logger = tessera::Logger().WithComponent("router");
  boost::asio::io_context io_context(1);
  tessera::StatusOr<std::unique_ptr<tessera::router::RouterServer>> server =
      tessera::router::RouterServer::Start(io_context, *std::move(options), logger);
  if (!server.ok()) {
    std::cerr << "tessera-router: " << server.status().message() << "\n";
    return 2;
  }
  boost::asio::signal_set signals(io_context, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int signal) {
    if (error) return;
    // Requests in progress finish; a second signal stops at once.
    logger.Info("shutting down", {{"signal", signal}});
    (*server)->Shutdown([&] { io_context.stop(); });
    signals.async_wait([&](const boost::system::error_code&, int) { io_context.stop(); });
  });
  io_context.run();
  server->reset();
  return 0;
}
