// tessera-agent's command line.

#ifndef TESSERA_AGENT_AGENT_OPTIONS_H_
#define TESSERA_AGENT_AGENT_OPTIONS_H_

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"

namespace tessera::agent {

struct AgentOptions {
  std::string listen_host = "0.0.0.0";
  int listen_port = 8470;
  std::string config_file;  // empty: defaults (the simulator engine only)
  // "sim" (a topology) or "rocm-smi" (the node's AMD GPUs, through
  // librocm_smi64 and amdgpu sysfs).
  std::string gpu_backend = "sim";
  // A topology file, or a shorthand such as "8xmi300x:cpx/nps4".
  std::string sim_topology = "8xmi300x:cpx/nps4";
  std::string state_directory = "/var/lib/tessera-agent";
  std::string log_directory;  // empty: <state directory>/logs
  std::string token_file;
  bool no_auth = false;
  std::string hostname;        // empty: the machine's
  std::string advertise_host;  // empty: the hostname
  std::string tls_certificate_file;
  std::string tls_private_key_file;
  // The admin API's limits (see AdminServerOptions).
  size_t max_request_bytes = size_t{1} << 20;
  size_t max_header_bytes = size_t{64} << 10;
  size_t max_connections = 256;
  std::chrono::milliseconds idle_timeout{30'000};
  std::chrono::milliseconds request_timeout{30'000};
  // Where workers listen; empty: the --listen host, so an agent serving
  // only loopback starts workers that serve only loopback.
  std::string worker_bind_host;
  // Published on the GPUNode and in /v1/node; placement's nodeSelector
  // matches them.
  std::map<std::string, std::string> labels{};
  // Publish a GPUNode through this kubeconfig, or (in_cluster) through the
  // pod's service account; neither: no Kubernetes at all.
  std::string kubeconfig;
  bool in_cluster = false;
  std::string node_name;  // the GPUNode's name; empty: the hostname
};

// Errors (exit code 2) name the flag; --help sets `help` and returns
// Cancelled.
StatusOr<AgentOptions> ParseAgentOptions(const std::vector<std::string>& args, std::string& help);

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_AGENT_OPTIONS_H_
