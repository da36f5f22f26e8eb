#include "agent/agent_options.h"

#include <CLI/CLI.hpp>

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
  app.add_option("--token-file", options.token_file, "Bearer token every API call must carry");
  app.add_flag("--no-auth", options.no_auth, "Serve the API without a token (development only)");
  app.add_option("--hostname", options.hostname, "Node name in metrics and the inventory");
  app.add_option("--advertise-host", options.advertise_host,
                 "Host in worker URLs (default: the hostname)");
  app.add_option("--tls-cert", options.tls_certificate_file,
                 "Serve HTTPS with this certificate chain");
  app.add_option("--tls-key", options.tls_private_key_file, "Private key for --tls-cert");
  app.add_option("--max-request-bytes", options.max_request_bytes)->capture_default_str();
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
    return Status(StatusCode::kCancelled, "help");
  } catch (const CLI::ParseError& error) {
    return InvalidArgumentError(error.what());
  }
  const size_t colon = listen.rfind(':');
  try {
    if (colon == std::string::npos) throw std::invalid_argument("no port");
    options.listen_host = listen.substr(0, colon);
    options.listen_port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    return InvalidArgumentError("--listen: expected host:port, got \"" + listen + "\"");
  }
  if (options.listen_port < 0 || options.listen_port > 65535) {
    return InvalidArgumentError("--listen: port out of range");
  }
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
