// tessera-controller's command line.

#ifndef TESSERA_CONTROLLER_CONTROLLER_OPTIONS_H_
#define TESSERA_CONTROLLER_CONTROLLER_OPTIONS_H_

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/host_port.h"
#include "base/status.h"
#include "controller/fleet/node_source.h"

namespace tessera::controller {

struct ControllerOptions {
  // Non-empty: the directory store (the embedded default) instead of the
  // Kubernetes API.
  std::string manifests_directory;
  std::string kubeconfig;      // empty: $KUBECONFIG, in-cluster, ~/.kube/config
  std::string namespace_name;  // empty: every namespace
  std::vector<NodeEndpoint> agents{};
  std::string agent_token_file;
  std::string agent_ca_file;
  std::chrono::milliseconds poll_period{2000};
  std::chrono::milliseconds node_lost_timeout{30'000};
  std::chrono::milliseconds agent_timeout{5000};
  // How long an agent holds the controller's wait for its workers to
  // change; zero: the agents are polled only.
  std::chrono::seconds agent_change_wait{30};
  std::string name = "tessera-controller";
  bool leader_elect = true;
  std::string lease_namespace = "default";
  std::string lease_name = "tessera-controller";
  std::string identity;  // empty: kube::DefaultLeaderIdentity(), the hostname
  std::string log_level = "info";
  // Where /metrics, /healthz and /readyz are served; none when unset.
  std::optional<HostPort> metrics_listen{};
};

// Errors (exit code 2) name the flag; --help sets `help` and returns
// Cancelled.
StatusOr<ControllerOptions> ParseControllerOptions(const std::vector<std::string>& args,
                                                   std::string& help);

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_CONTROLLER_OPTIONS_H_
