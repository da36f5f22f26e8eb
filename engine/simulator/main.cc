// tessera-engine-sim: an OpenAI-compatible engine that behaves like vLLM or
// SGLang on a given GPU partition, for tests and demos without GPUs.
//
// Threads. One: the main thread runs the event loop, and everything — HTTP
// requests and streams, the engine core's steps on a steady timer, the KV
// hand-off server and fetches, signals — is a handler on it, so nothing in
// the simulator takes a lock.

#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/logging.h"
#include "base/strings.h"
#include "engine/simulator/simulator_options.h"
#include "engine/simulator/simulator_server.h"

int main(int argc, char** argv) {
  using tessera::simulator::SimulatorServer;
  const std::vector<std::string> args(argv + 1, argv + argc);
  std::string help;
  tessera::StatusOr<tessera::simulator::SimulatorOptions> options =
      tessera::simulator::ParseSimulatorOptions(args, help);
  if (!options.ok()) {
    if (options.status().code() == tessera::StatusCode::kCancelled) {
      std::cout << help;
      return 0;
    }
    std::cerr << "tessera-engine-sim: " << options.status().message() << "\n";
    return 2;
  }
  tessera::Logger logger = tessera::Logger().WithComponent("engine-sim");
  for (const std::string& flag : options->not_simulated_flags) {
    logger.Warning("accepted but not simulated", {{"flag", flag}});
  }
  if (!options->timing_neutral_flags.empty()) {
    logger.Info("accepted; no effect on timing",
                {{"flags", tessera::Join(options->timing_neutral_flags, " ")}});
  }

  boost::asio::io_context io_context(1);
  int exit_code = 0;
  boost::asio::steady_timer exit_timer(io_context);
  tessera::StatusOr<std::unique_ptr<SimulatorServer>> server =
      SimulatorServer::Start(io_context, *std::move(options), logger, [&] {
        // Like an engine process whose core died: fail health for a moment
        // (so probes can see it), then exit non-zero.
        exit_code = 1;
        exit_timer.expires_after(std::chrono::milliseconds(500));
        exit_timer.async_wait([&](const boost::system::error_code&) { io_context.stop(); });
      });
  if (!server.ok()) {
    std::cerr << "tessera-engine-sim: " << server.status().message() << "\n";
    return 1;
  }
  boost::asio::signal_set signals(io_context, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int signal) {
    if (error) return;
    logger.Info("shutting down", {{"signal", signal}});
    (*server)->Shutdown([&] { io_context.stop(); });
    // A second signal, or streams that never end, stop it at once.
    signals.async_wait([&](const boost::system::error_code&, int) { io_context.stop(); });
  });
  io_context.run();
  server->reset();
  return exit_code;
}
