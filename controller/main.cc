// tessera-controller: reconciles ModelDeployments, read from Kubernetes or
// from a directory of manifests, onto the agents' GPU partitions.
//
// Restarting it loses nothing: it resumes from what the agents report, and
// running workers are left as they are.
//
// Threads. The main thread parses flags, builds everything, then waits for
// SIGINT or SIGTERM (blocked in every thread, taken with sigwait) and stops
// everything in reverse order, joining each thread. Beside it:
//   - ControllerLoop's poller, which polls the agents through FleetMonitor
//     and queues every deployment after each poll, and its one worker,
//     which takes keys off the WorkQueue and runs the reconciler: passes
//     never run concurrently. They meet in the WorkQueue (a mutex and a
//     condition) and in FleetMonitor's snapshots (immutable, swapped under
//     a mutex).
//   - FleetMonitor's poll pool: 7 threads started once (base/thread_pool.h);
//     each poll fans the agents out over them and the poller, 8 at a time.
//   - The directory store's watcher thread, or in Kubernetes mode the
//     informers' threads (ModelDeployments, roles, GPUNodes), the event
//     recorder's thread and, with leader election, the elector's thread;
//     their handlers only queue keys or update caches under their own locks.
//   - cpprestsdk's pool, on which HTTP requests (to the agents and the API
//     server) complete; callers wait on them with a deadline.
//   - With --metrics-listen, the metrics server's thread, which reads
//     ControllerMetrics (and through it the store and the fleet's snapshot)
//     under their own locks.
//   - With leader election, one thread started when leadership is won that
//     starts the sources and the loop off the elector's thread (which must
//     keep renewing); main joins it.

#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "base/logging.h"
#include "controller/agents/http_agent_api.h"
#include "controller/controller_loop.h"
#include "controller/controller_options.h"
#include "controller/fleet/fleet_monitor.h"
#include "controller/fleet/gpu_node_source.h"
#include "controller/metrics/metrics_server.h"
#include "controller/reconciler/deployment_reconciler.h"
#include "controller/store/directory_store.h"
#include "controller/store/kube_store.h"
#include "kube/kube_config.h"
#include "kube/leader_election.h"

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

// Serves --metrics-listen, when given, until the result is destroyed: a
// null result when not given. /readyz answers while `ready` is set.
StatusOr<std::unique_ptr<controller::MetricsServer>> ServeMetrics(
    const controller::ControllerOptions& options, const controller::ControllerMetrics& metrics,
    const std::atomic<bool>& ready, const tessera::Logger& logger) {
  if (!options.metrics_listen) return std::unique_ptr<controller::MetricsServer>();
  return controller::MetricsServer::Start(
      *options.metrics_listen, metrics, [&ready] { return ready.load(); },
      logger.WithComponent("metrics"));
}

// The embedded default: manifests from a directory, agents from the flags.
int RunWithDirectory(const controller::ControllerOptions& options, controller::AgentApi& agents,
                     controller::RouterApi& routers, const tessera::Logger& logger) {
  tessera::Clock& clock = tessera::SystemClock::Default();
  controller::StaticNodeSource nodes(options.agents);
  controller::DirectoryDeploymentStore store({.directory = options.manifests_directory},
                                             logger.WithComponent("store"));
  controller::FleetMonitor fleet(
      agents, nodes, clock,
      {.node_lost_timeout = options.node_lost_timeout, .change_wait = options.agent_change_wait},
      logger.WithComponent("fleet"));
  controller::DeploymentReconciler reconciler(store, fleet, agents, routers, clock,
                                              {.controller_name = options.name},
                                              logger.WithComponent("reconciler"));
  controller::ControllerMetrics metrics;
  controller::ControllerLoop loop(store, fleet, reconciler, metrics, clock, options.poll_period,
                                  logger);
  std::atomic<bool> ready{false};
  StatusOr<std::unique_ptr<controller::MetricsServer>> server =
      ServeMetrics(options, metrics, ready, logger);
  if (!server.ok()) {
    std::cerr << "tessera-controller: " << server.status().message() << "\n";
    return 2;
  }
  if (Status started = loop.Start(); !started.ok()) {
    std::cerr << "tessera-controller: " << started.message() << "\n";
    return 1;
  }
  // Without a lease to win, this process is the only one acting.
  metrics.ObserveFrom(&store, &fleet);
  metrics.SetLeading(true);
  ready = true;
  logger.Info("controller running", {{"store", "directory"},
                                     {"manifests", options.manifests_directory},
                                     {"agents", static_cast<int>(options.agents.size())}});
  const int signal = WaitForSignal();
  logger.Info("shutting down; workers keep running", {{"signal", signal}});
  *server = nullptr;
  loop.Stop();
  return 0;
}

// ModelDeployments from the Kubernetes API, agents from GPUNodes; with
// leader election, only the replica holding the lease acts.
int RunWithKubernetes(const controller::ControllerOptions& options, controller::AgentApi& agents,
                      controller::RouterApi& routers, const tessera::Logger& logger) {
  tessera::Clock& clock = tessera::SystemClock::Default();
  StatusOr<tessera::kube::KubeConfig> config = tessera::kube::LoadDefaultConfig(options.kubeconfig);
  if (!config.ok()) {
    std::cerr << "tessera-controller: --kubeconfig: " << config.status().message() << "\n";
    return 2;
  }
  StatusOr<std::unique_ptr<tessera::kube::KubeClient>> client =
      tessera::kube::KubeClient::FromConfig(*std::move(config));
  if (!client.ok()) {
    std::cerr << "tessera-controller: " << client.status().message() << "\n";
    return 2;
  }
  const std::string identity =
      options.identity.empty() ? tessera::kube::DefaultLeaderIdentity() : options.identity;
  controller::GpuNodeSource nodes(**client, options.agents, logger.WithComponent("nodes"));
  controller::KubeDeploymentStore store(
      **client, {.namespace_name = options.namespace_name, .identity = identity},
      logger.WithComponent("store"));
  controller::FleetMonitor fleet(
      agents, nodes, clock,
      {.node_lost_timeout = options.node_lost_timeout,
       .change_wait = options.agent_change_wait,
       .on_health_change =
           [&nodes](const controller::NodeView& node) { nodes.ReportHealth(node); }},
      logger.WithComponent("fleet"));
  controller::DeploymentReconciler reconciler(store, fleet, agents, routers, clock,
                                              {.controller_name = options.name},
                                              logger.WithComponent("reconciler"));
  controller::ControllerMetrics metrics;
  metrics.ObserveFrom(&store, &fleet);
  controller::ControllerLoop loop(store, fleet, reconciler, metrics, clock, options.poll_period,
                                  logger);
  // Ready from the start: a replica waiting for the lease is a ready
  // standby, and its probes must pass while it waits.
  const std::atomic<bool> ready{true};
  StatusOr<std::unique_ptr<controller::MetricsServer>> server =
      ServeMetrics(options, metrics, ready, logger);
  if (!server.ok()) {
    std::cerr << "tessera-controller: " << server.status().message() << "\n";
    return 2;
  }

  std::atomic<bool> shutting_down{false};
  std::atomic<bool> lost_leadership{false};
  auto lead = [&]() -> Status {
    nodes.Start();
    // Acting before the agents are known would look like a fleet without
    // nodes; wait for the first list of GPUNodes (the loop waits for the
    // fleet to sync in any case, so a timeout here only costs time).
    if (!nodes.WaitForSync(std::chrono::seconds(30))) {
      logger.Warning("GPUNodes not listed yet; starting anyway", {});
    }
    TESSERA_RETURN_IF_ERROR(loop.Start());
    metrics.SetLeading(true);
    return tessera::OkStatus();
  };
  std::unique_ptr<tessera::kube::LeaderElector> elector;
  std::thread starter;
  if (options.leader_elect) {
    StatusOr<std::unique_ptr<tessera::kube::LeaderElector>> created =
        tessera::kube::LeaderElector::Create(
            **client,
            {.lease_namespace = options.lease_namespace,
             .lease_name = options.lease_name,
             .identity = identity,
             .logger = logger.WithComponent("leader-election")},
            {.on_started_leading =
                 [&] {
                   logger.Info("leading: reconciling", {{"identity", identity}});
                   // Off the elector's thread, which must keep renewing.
                   starter = std::thread([&] {
                     if (Status started = lead(); !started.ok()) {
                       logger.Error("cannot start reconciling", {{"error", started}});
                       kill(getpid(), SIGTERM);
                     }
                   });
                 },
             .on_stopped_leading =
                 [&] {
                   metrics.SetLeading(false);
                   if (shutting_down) return;
                   // Another replica may be acting already: stop at once and
                   // let the process supervisor restart this one as a
                   // candidate, as client-go controllers do.
                   logger.Error("leadership lost; exiting", {{"identity", identity}});
                   lost_leadership = true;
                   kill(getpid(), SIGTERM);
                 },
             .on_new_leader =
                 [&](const std::string& leader) {
                   if (leader != identity) logger.Info("following", {{"leader", leader}});
                 }});
    if (!created.ok()) {
      std::cerr << "tessera-controller: leader election: " << created.status().message() << "\n";
      return 2;
    }
    elector = *std::move(created);
    elector->Start();
  } else if (Status started = lead(); !started.ok()) {
    std::cerr << "tessera-controller: " << started.message() << "\n";
    return 1;
  }
  logger.Info("controller running",
              {{"store", "kubernetes"},
               {"server", (*client)->server()},
               {"namespace",
                options.namespace_name.empty() ? std::string("(all)") : options.namespace_name},
               {"leader_election", options.leader_elect},
               {"identity", identity}});
  const int signal = WaitForSignal();
  shutting_down = !lost_leadership;
  logger.Info("shutting down; workers keep running", {{"signal", signal}});
  if (starter.joinable()) starter.join();
  *server = nullptr;
  loop.Stop();
  nodes.Stop();
  if (elector) elector->Stop();
  return lost_leadership ? 1 : 0;
}

int Run(const controller::ControllerOptions& options) {
  StatusOr<tessera::LogLevel> level = tessera::ParseLogLevel(options.log_level);
  tessera::Logger logger({.sink = nullptr,
                          .clock = nullptr,
                          .minimum_level = level.ok() ? *level : tessera::LogLevel::kInfo});
  logger = logger.WithComponent("controller");
  StatusOr<std::unique_ptr<controller::HttpAgentApi>> agents =
      controller::HttpAgentApi::Create({.token_file = options.agent_token_file,
                                        .ca_file = options.agent_ca_file,
                                        .timeout = options.agent_timeout});
  if (!agents.ok()) {
    std::cerr << "tessera-controller: " << agents.status().message() << "\n";
    return 2;
  }
  // The agents' client also speaks to the routers they run, with the same token.
  return options.manifests_directory.empty()
             ? RunWithKubernetes(options, **agents, **agents, logger)
             : RunWithDirectory(options, **agents, **agents, logger);
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
