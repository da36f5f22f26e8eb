// tessera-controller: reconciles ModelDeployments, read from Kubernetes or
// from a directory of manifests, onto the agents' GPU partitions.
//
// Restarting it loses nothing: it resumes from what the agents report, and
// running workers are left as they are.

#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "base/logging.h"
#include "controller/agents/http_agent_api.h"
#include "controller/controller_loop.h"
#include "controller/controller_options.h"
#include "controller/fleet/fleet_monitor.h"
#include "controller/reconciler/deployment_reconciler.h"
#include "controller/store/directory_store.h"

namespace {

namespace controller = tessera::controller;
using tessera::Status;
using tessera::StatusOr;

int WaitForSignal() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  int signal = 0;
  sigwait(&signals, &signal);
  return signal;
}

int Run(const controller::ControllerOptions& options) {
  StatusOr<tessera::LogLevel> level = tessera::ParseLogLevel(options.log_level);
  tessera::Logger logger({.sink = nullptr,
                          .clock = nullptr,
                          .minimum_level = level.ok() ? *level : tessera::LogLevel::kInfo});
  logger = logger.WithComponent("controller");
  tessera::Clock& clock = tessera::SystemClock::Default();

  StatusOr<std::unique_ptr<controller::HttpAgentApi>> agents =
      controller::HttpAgentApi::Create({.token_file = options.agent_token_file,
                                        .ca_file = options.agent_ca_file,
                                        .timeout = options.agent_timeout});
  if (!agents.ok()) {
    std::cerr << "tessera-controller: " << agents.status().message() << "\n";
    return 2;
  }
  if (options.manifests_directory.empty()) {
    std::cerr << "tessera-controller: --manifests: required (the Kubernetes store is not "
                 "available in this build)\n";
    return 2;
  }
  controller::StaticNodeSource nodes(options.agents);
  controller::DirectoryDeploymentStore store({.directory = options.manifests_directory},
                                             logger.WithComponent("store"));
  controller::FleetMonitor fleet(**agents, nodes, clock,
                                 {.node_lost_timeout = options.node_lost_timeout},
                                 logger.WithComponent("fleet"));
  controller::DeploymentReconciler reconciler(store, fleet, **agents, clock,
                                              {.controller_name = options.name},
                                              logger.WithComponent("reconciler"));
  controller::ControllerLoop loop(store, fleet, reconciler, clock, options.poll_period, logger);
  if (Status started = loop.Start(); !started.ok()) {
    std::cerr << "tessera-controller: " << started.message() << "\n";
    return 1;
  }
  logger.Info("controller running", {{"store", "directory"},
                                     {"manifests", options.manifests_directory},
                                     {"agents", static_cast<int>(options.agents.size())}});
  const int signal = WaitForSignal();
  logger.Info("shutting down; workers keep running", {{"signal", signal}});
  loop.Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Signals are taken synchronously by WaitForSignal; every thread started
  // later inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // NOLINT(cert-err33-c): no other thread yet
  const std::vector<std::string> args(argv + 1, argv + argc);
  std::string help;
  StatusOr<controller::ControllerOptions> options = controller::ParseControllerOptions(args, help);
  if (!options.ok()) {
    if (options.status().code() == tessera::StatusCode::kCancelled) {
      std::cout << help;
      return 0;
    }
    std::cerr << "tessera-controller: " << options.status().message() << "\n";
    return 2;
  }
  return Run(*options);
}
