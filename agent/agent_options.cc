#include "agent/agent_options.h"

#include <optional>
#include <tuple>

#include <CLI/CLI.hpp>

#include "base/host_port.h"
#include "base/units.h"

namespace tessera::agent {

StatusOr<AgentOptions> ParseAgentOptions(const std::vector<std::string>& args, std::string& help) {
  AgentOptions options;
  CLI::App app("tessera-agent: supervises LLM engine workers on this node's GPU partitions",
               "tessera-agent");
  std::string listen = "0.0.0.0:8470";
  app.add_option("--listen", listen, "Admin API and /metrics address, host:port")
      ->capture_default_str();
  app.add_option("--config", options.config_file,
                 "Agent configuration (YAML): engines, supervision");
  app.add_option("--gpu-backend", options.gpu_backend,
                 "sim (a YAML or shorthand topology) or rocm-smi (this node's AMD GPUs)")
      ->check(CLI::IsMember({"sim", "rocm-smi"}))
      ->capture_default_str();
  app.add_option("--sim-topology", options.sim_topology,
                 "For --gpu-backend sim: a topology file or e.g. 8xmi300x:cpx/nps4")
      ->capture_default_str();
  app.add_option("--state-dir", options.state_directory, "Worker state, kept across restarts")
      ->capture_default_str();
  app.add_option("--log-dir", options.log_directory, "Worker logs (default: <state-dir>/logs)");
  app.add_option("--token-file", options.token_file,
                 "Bearer token every API call but /healthz and /readyz must carry");
  app.add_flag("--no-auth", options.no_auth, "Serve the API without a token (development only)");
  app.add_option("--hostname", options.hostname, "Node name in metrics and the inventory");
  app.add_option("--advertise-host", options.advertise_host,
                 "Host in worker URLs (default: the hostname)");
  app.add_option("--tls-cert", options.tls_certificate_file,
                 "Serve HTTPS with this certificate chain");
  app.add_option("--tls-key", options.tls_private_key_file, "Private key for --tls-cert");
  app.add_option("--max-request-bytes", options.max_request_bytes,
                 "Largest request body the API reads (413 beyond)")
      ->capture_default_str();
  app.add_option("--max-header-bytes", options.max_header_bytes,
                 "Largest request line and headers the API reads (431 beyond)")
      ->capture_default_str();
  app.add_option("--max-connections", options.max_connections,
                 "Open API connections at most; at the limit the longest-idle one is closed")
      ->capture_default_str();
  std::string idle_timeout = "30s";
  std::string request_timeout = "30s";
  app.add_option("--idle-timeout", idle_timeout,
                 "Close an API connection that sends no request for this long")
      ->capture_default_str();
  app.add_option("--request-timeout", request_timeout,
                 "Close an API connection still sending one request after this long")
      ->capture_default_str();
  app.add_option("--worker-bind-host", options.worker_bind_host,
                 "Address workers listen on (default: the --listen host)");
  std::vector<std::string> labels;
  app.add_option("--label", labels, "A node label, KEY=VALUE; repeatable");
  app.add_option("--kubeconfig", options.kubeconfig,
                 "Publish this node's GPUNode through this kubeconfig");
  app.add_flag("--in-cluster", options.in_cluster,
               "Publish this node's GPUNode with the pod's service account");
  app.add_option("--node-name", options.node_name, "The GPUNode's name (default: the hostname)");

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    help = app.help();
    return CancelledError("help");
  } catch (const CLI::ParseError& error) {
    return InvalidArgumentError(error.what());
  }
  TESSERA_ASSIGN_OR_RETURN(const HostPort address, ParseHostPort("--listen", listen));
  options.listen_host = address.host;
  options.listen_port = address.port;
  for (auto [flag, text, out] :
       {std::tuple{"--idle-timeout", &idle_timeout, &options.idle_timeout},
        std::tuple{"--request-timeout", &request_timeout, &options.request_timeout}}) {
    StatusOr<std::chrono::nanoseconds> duration = ParseDuration(*text);
    if (!duration.ok()) return duration.status().WithContext(flag);
    if (*duration < std::chrono::milliseconds(1)) {
      return InvalidArgumentError(std::string(flag) + ": must be at least 1ms, got " + *text);
    }
    *out = std::chrono::duration_cast<std::chrono::milliseconds>(*duration);
  }
  if (options.max_connections == 0) {
    return InvalidArgumentError("--max-connections: must be at least 1");
  }
  if (options.max_header_bytes < 1024) {
    return InvalidArgumentError("--max-header-bytes: must be at least 1024");
  }
  if (options.max_request_bytes == 0) {
    return InvalidArgumentError("--max-request-bytes: must be at least 1");
  }
  if (options.worker_bind_host.empty()) options.worker_bind_host = options.listen_host;
  if (options.token_file.empty() && !options.no_auth) {
    return InvalidArgumentError(
        "--token-file: required (the API controls processes on this node); pass --no-auth to "
        "serve without one");
  }
  if (options.tls_certificate_file.empty() != options.tls_private_key_file.empty()) {
    return InvalidArgumentError("--tls-cert and --tls-key: give both or neither");
  }
  for (const std::string& label : labels) {
    const size_t equals = label.find('=');
    if (equals == std::string::npos || equals == 0) {
      return InvalidArgumentError("--label: expected KEY=VALUE, got \"" + label + "\"");
    }
    options.labels[label.substr(0, equals)] = label.substr(equals + 1);
  }
  if (!options.kubeconfig.empty() && options.in_cluster) {
    return InvalidArgumentError("--kubeconfig and --in-cluster: give one or neither");
  }
  if (options.log_directory.empty()) options.log_directory = options.state_directory + "/logs";
  return options;
}

}  // namespace tessera::agent
