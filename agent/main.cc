// tessera-agent: one per node. Supervises the engine workers pinned to this
// node's GPU partitions and serves the admin API and /metrics.
//
// Stopping the agent (SIGTERM, SIGINT, or a crash) leaves every worker
// running; the next agent adopts them from the state directory.
//
// Threads. The main thread runs the event loop, which owns the supervisor
// and serves the admin API: every request, probe, scrape, timer and signal
// is handled there, one at a time, so nothing the supervisor holds needs a
// lock. Beside it:
//   - the engine-metrics merger's thread (EngineMetricsMerger), which merges
//     and compresses scraped expositions and posts the result to the loop;
//   - with --kubeconfig or --in-cluster, the GPUNode publisher's thread and
//     cpprestsdk's pool of 2 on which its requests complete; the publisher
//     reads the inventory by posting to the loop and waiting at most 5 s;
//   - on SIGTERM or SIGINT, one short-lived thread that stops the publisher
//     while the loop still runs (the publisher may be waiting on the loop),
//     then stops the loop; main joins it.

#include <array>
#include <csignal>
#include <filesystem>
#include <future>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <malloc.h>
#include <unistd.h>

#include "agent/agent_metrics.h"
#include "agent/agent_options.h"
#include "agent/api/admin_routes.h"
#include "agent/api/admin_server.h"
#include "agent/config/agent_config.h"
#include "agent/gpu/gpu_backend.h"
#include "agent/gpu/sim_gpu_backend.h"
#include "agent/gpu/sim_topology.h"
#include "agent/registration/gpu_node_publisher.h"
#include "agent/registration/gpu_node_status.h"
#include "agent/supervisor/host_services.h"
#include "agent/supervisor/supervisor.h"
#include "base/file.h"
#include "base/logging.h"
#include "base/strings.h"
#include "kube/kube_client.h"
#include "kube/kube_config.h"

namespace {

using tessera::Status;
using tessera::StatusOr;
namespace agent = tessera::agent;

std::string MachineHostname() {
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0) return "localhost";
  return name.data();
}

// A program installed beside this binary: the simulator (the default `sim`
// engine) and the router.
std::string ProgramBesideAgent(const std::string& program) {
  std::error_code error;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return program;
  return (self.parent_path() / program).string();
}

// Routers are started in their own working directories: they get the
// token file by its absolute path.
std::string AbsolutePath(const std::string& path) {
  std::error_code error;
  const std::filesystem::path absolute = std::filesystem::absolute(path, error);
  return error ? path : absolute.string();
}

StatusOr<std::unique_ptr<agent::GpuBackend>> MakeGpuBackend(const agent::AgentOptions& options,
                                                            const std::string& hostname) {
  if (options.gpu_backend == "sim") {
    StatusOr<agent::SimTopology> topology =
        std::filesystem::exists(options.sim_topology)
            ? agent::LoadSimTopology(options.sim_topology)
            : agent::ParseSimTopologyShorthand(options.sim_topology);
    if (!topology.ok()) return topology.status().WithContext("--sim-topology");
    if (topology->hostname.empty()) topology->hostname = hostname;
    return std::unique_ptr<agent::GpuBackend>(
        std::make_unique<agent::SimGpuBackend>(*std::move(topology)));
  }
  if (options.gpu_backend == "rocm-smi") {
    StatusOr<std::unique_ptr<agent::GpuBackend>> backend = agent::CreateRocmSmiGpuBackend(hostname);
    if (!backend.ok()) return backend.status().WithContext("--gpu-backend rocm-smi");
    return backend;
  }
  return tessera::InvalidArgumentError("--gpu-backend: unknown backend " +
                                       tessera::Quote(options.gpu_backend));
}

int Run(const agent::AgentOptions& options) {
  tessera::Logger logger = tessera::Logger().WithComponent("agent");
  const std::string hostname = options.hostname.empty() ? MachineHostname() : options.hostname;

  std::string config_text;
  if (!options.config_file.empty()) {
    StatusOr<std::string> text = tessera::ReadFile(options.config_file);
    if (!text.ok()) {
      std::cerr << "tessera-agent: --config: " << text.status().message() << "\n";
      return 2;
    }
    config_text = *std::move(text);
  }
  StatusOr<agent::AgentConfig> config = agent::ParseAgentConfig(
      config_text, ProgramBesideAgent("tessera-engine-sim"), ProgramBesideAgent("tessera-router"));
  if (!config.ok()) {
    std::cerr << "tessera-agent: " << options.config_file << ": " << config.status().message()
              << "\n";
    return 2;
  }
  std::optional<std::string> token;
  if (!options.no_auth) {
    StatusOr<std::string> text = tessera::ReadFile(options.token_file);
    if (!text.ok()) {
      std::cerr << "tessera-agent: --token-file: " << text.status().message() << "\n";
      return 2;
    }
    std::string trimmed = *text;
    while (!trimmed.empty() &&
           (trimmed.back() == '\n' || trimmed.back() == '\r' || trimmed.back() == ' ')) {
      trimmed.pop_back();
    }
    if (trimmed.size() < 16) {
      std::cerr << "tessera-agent: --token-file: the token must be at least 16 characters\n";
      return 2;
    }
    token = trimmed;
  }
  StatusOr<std::unique_ptr<agent::GpuBackend>> gpus = MakeGpuBackend(options, hostname);
  if (!gpus.ok()) {
    std::cerr << "tessera-agent: " << gpus.status().message() << "\n";
    return 1;
  }

  boost::asio::io_context loop(1);
  agent::SupervisorOptions supervisor_options{
      .policy = config->policy,
      .engines = config->engines,
      .state_directory = options.state_directory,
      .log_directory = options.log_directory,
      .log_max_bytes = config->log_max_bytes,
      .log_max_files = config->log_max_files,
      .port_first = config->port_first,
      .port_last = config->port_last,
      .bind_host = options.worker_bind_host,
      .reserved_ports = {options.listen_port},
      // The controller's agent token is the routers' admin token: no second
      // secret to distribute, and a router on this node trusts whom its
      // agent trusts.
      .admin_token_file = options.no_auth ? std::string() : AbsolutePath(options.token_file),
      .hostname = hostname,
      .advertise_host = options.advertise_host.empty() ? hostname : options.advertise_host,
      .scrape_period = config->scrape_period,
      .scrape_timeout = config->scrape_timeout,
  };
  const tessera::Logger supervisor_logger = logger.WithComponent("supervisor");
  agent::HostServices host(loop, supervisor_options, **gpus, tessera::SystemClock::Default(),
                           supervisor_logger);
  agent::Supervisor supervisor(loop, std::move(supervisor_options), host.services(),
                               supervisor_logger);
  if (Status recovered = supervisor.Recover(); !recovered.ok()) {
    std::cerr << "tessera-agent: " << recovered.message() << "\n";
    return 1;
  }
  agent::AdminRoutes routes(
      supervisor, token,
      [&supervisor, &hostname](bool gzip) {
        return agent::RenderAgentMetrics(supervisor, hostname, gzip);
      },
      hostname, options.labels);
  agent::AdminServer server(loop, routes,
                            {.host = options.listen_host,
                             .port = options.listen_port,
                             .max_request_bytes = options.max_request_bytes,
                             .max_header_bytes = options.max_header_bytes,
                             .max_connections = options.max_connections,
                             .idle_timeout = options.idle_timeout,
                             .request_timeout = options.request_timeout,
                             .tls_certificate_file = options.tls_certificate_file,
                             .tls_private_key_file = options.tls_private_key_file},
                            logger.WithComponent("api"));
  if (Status opened = server.Open(); !opened.ok()) {
    std::cerr << "tessera-agent: " << opened.message() << "\n";
    return 1;
  }
  std::unique_ptr<tessera::kube::KubeClient> kube;
  std::unique_ptr<agent::GpuNodePublisher> publisher;
  if (!options.kubeconfig.empty() || options.in_cluster) {
    StatusOr<tessera::kube::KubeConfig> kube_config =
        options.in_cluster ? tessera::kube::InClusterConfig()
                           : tessera::kube::LoadKubeconfig(options.kubeconfig);
    if (!kube_config.ok()) {
      std::cerr << "tessera-agent: " << (options.in_cluster ? "--in-cluster" : "--kubeconfig")
                << ": " << kube_config.status().message() << "\n";
      return 2;
    }
    StatusOr<std::unique_ptr<tessera::kube::KubeClient>> client =
        tessera::kube::KubeClient::FromConfig(*std::move(kube_config));
    if (!client.ok()) {
      std::cerr << "tessera-agent: " << client.status().message() << "\n";
      return 2;
    }
    kube = *std::move(client);
    const std::string endpoint =
        std::string(options.tls_certificate_file.empty() ? "http://" : "https://") +
        (options.advertise_host.empty() ? hostname : options.advertise_host) + ":" +
        std::to_string(options.listen_port);
    const auto ready_since = std::chrono::system_clock::now();
    publisher = std::make_unique<agent::GpuNodePublisher>(
        *kube,
        agent::GpuNodePublisherOptions{
            .node_name = options.node_name.empty() ? hostname : options.node_name,
            .agent_endpoint = endpoint,
            .labels = options.labels,
            .heartbeat_period = std::chrono::seconds(10)},
        // The inventory lives on the event loop; the publisher asks it there.
        [&loop, &supervisor, ready_since]() -> std::optional<nlohmann::json> {
          auto answer = std::make_shared<std::promise<nlohmann::json>>();
          std::future<nlohmann::json> status = answer->get_future();
          boost::asio::post(loop, [answer, &supervisor, ready_since] {
            answer->set_value(agent::GpuNodeStatusJson(supervisor.inventory(), supervisor.Workers(),
                                                       std::chrono::system_clock::now(),
                                                       ready_since));
          });
          if (status.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
            return std::nullopt;
          }
          return status.get();
        },
        logger.WithComponent("registration"));
    publisher->Start();
  }
  logger.Info("agent ready",
              {{"hostname", hostname},
               {"gpu_backend", (*gpus)->name()},
               {"partitions", static_cast<int>(supervisor.inventory().Partitions().size())},
               {"workers", static_cast<int>(supervisor.Workers().size())}});

  std::optional<std::thread> stopping;
  boost::asio::signal_set signals(loop, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int signal) {
    if (error) return;
    logger.Info("shutting down; workers keep running", {{"signal", signal}});
    server.Close();
    stopping.emplace([&] {
      if (publisher) publisher->Stop();
      loop.stop();
    });
  });
  loop.run();
  if (stopping) stopping->join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE,
              SIG_IGN);  // NOLINT(cert-err33-c,concurrency-mt-unsafe): single-threaded here
  // Only the GPUNode publisher uses cpprest, a request every few seconds.
  tessera::kube::KubeClient::UseThreads(2);
  mallopt(M_ARENA_MAX, 2);  // NOLINT(concurrency-mt-unsafe): before any thread starts
  const std::vector<std::string> args(argv + 1, argv + argc);
  std::string help;
  StatusOr<agent::AgentOptions> options = agent::ParseAgentOptions(args, help);
  if (!options.ok()) {
    if (options.status().code() == tessera::StatusCode::kCancelled) {
      std::cout << help;
      return 0;
    }
    std::cerr << "tessera-agent: " << options.status().message() << "\n";
    return 2;
  }
  return Run(*options);
}
