#include "controller/controller_options.h"

#include <CLI/CLI.hpp>

#include "base/units.h"

namespace tessera::controller {
namespace {

Status ReadDuration(const std::string& flag, const std::string& text,
                    std::chrono::milliseconds& out) {
  StatusOr<std::chrono::nanoseconds> duration = ParseDuration(text);
  if (!duration.ok()) return duration.status().WithContext(flag);
  if (*duration <= std::chrono::nanoseconds::zero()) {
    return InvalidArgumentError(flag + ": must be positive, got " + text);
  }
  out = std::chrono::duration_cast<std::chrono::milliseconds>(*duration);
  return OkStatus();
}

}  // namespace

StatusOr<ControllerOptions> ParseControllerOptions(const std::vector<std::string>& args,
                                                   std::string& help) {
  ControllerOptions options;
  CLI::App app("tessera-controller: reconciles ModelDeployments onto the agents' GPU partitions",
               "tessera-controller");
  std::vector<std::string> agents;
  std::string poll_period = "2s";
  std::string node_lost_timeout = "30s";
  std::string agent_timeout = "5s";
  std::string agent_change_wait = "30s";
  app.add_option("--manifests", options.manifests_directory,
                 "Read ModelDeployment manifests from this directory instead of Kubernetes");
  app.add_option("--kubeconfig", options.kubeconfig,
                 "Kubeconfig (default: $KUBECONFIG, in-cluster, ~/.kube/config)");
  app.add_option("--namespace", options.namespace_name,
                 "Only this namespace's deployments (default: all)");
  app.add_option("--agent", agents,
                 "An agent, NAME=URL; repeatable (with Kubernetes, GPUNodes add more)");
  app.add_option("--agent-token-file", options.agent_token_file,
                 "Bearer token for the agents' API");
  app.add_option("--agent-ca-file", options.agent_ca_file, "CA bundle for agents serving HTTPS");
  app.add_option("--poll-period", poll_period, "How often every agent is observed")
      ->capture_default_str();
  app.add_option("--node-lost-timeout", node_lost_timeout,
                 "Silence after which a node's workers are placed elsewhere")
      ->capture_default_str();
  app.add_option("--agent-timeout", agent_timeout, "Timeout of one call to an agent")
      ->capture_default_str();
  app.add_option("--agent-change-wait", agent_change_wait,
                 "How long each agent holds the controller's wait for its workers to change, "
                 "between polls (whole seconds, at most 300s; 0s: poll only)")
      ->capture_default_str();
  app.add_option("--name", options.name, "The controller's name in worker specs (managedBy)")
      ->capture_default_str();
  // Two flags rather than one negatable one, whose help CLI11 prints as
  // "--leader-elect,--no-leader-elect{false}", which reads as off.
  app.add_flag("--leader-elect", options.leader_elect,
               "With Kubernetes: act only while holding the lease (default: on)");
  app.add_flag_callback(
      "--no-leader-elect", [&options] { options.leader_elect = false; },
      "Act without a lease: only when a single controller runs");
  app.add_option("--lease-namespace", options.lease_namespace)->capture_default_str();
  app.add_option("--lease-name", options.lease_name)->capture_default_str();
  app.add_option("--identity", options.identity,
                 "Holder identity in the lease, stable across restarts and distinct between "
                 "replicas (default: the hostname, i.e. the pod name)");
  std::string metrics_listen;
  app.add_option("--metrics-listen", metrics_listen,
                 "Serve /metrics, /healthz and /readyz at HOST:PORT (:8080: every interface)");
  app.add_option("--log-level", options.log_level)
      ->check(CLI::IsMember({"debug", "info", "warning", "error"}))
      ->capture_default_str();

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    help = app.help();
    return CancelledError("help");
  } catch (const CLI::ParseError& error) {
    return InvalidArgumentError(error.what());
  }
  for (const std::string& agent : agents) {
    TESSERA_ASSIGN_OR_RETURN(NodeEndpoint endpoint, ParseNodeEndpoint(agent));
    options.agents.push_back(std::move(endpoint));
  }
  TESSERA_RETURN_IF_ERROR(ReadDuration("--poll-period", poll_period, options.poll_period));
  TESSERA_RETURN_IF_ERROR(
      ReadDuration("--node-lost-timeout", node_lost_timeout, options.node_lost_timeout));
  TESSERA_RETURN_IF_ERROR(ReadDuration("--agent-timeout", agent_timeout, options.agent_timeout));
  StatusOr<std::chrono::nanoseconds> change_wait = ParseDuration(agent_change_wait);
  if (!change_wait.ok()) return change_wait.status().WithContext("--agent-change-wait");
  if (*change_wait < std::chrono::nanoseconds::zero() ||
      *change_wait % std::chrono::seconds(1) != std::chrono::nanoseconds::zero() ||
      *change_wait > std::chrono::seconds(300)) {
    return InvalidArgumentError(
        "--agent-change-wait: must be whole seconds from 0s to 300s "
        "(what an agent holds a wait for at most), got " +
        agent_change_wait);
  }
  options.agent_change_wait = std::chrono::duration_cast<std::chrono::seconds>(*change_wait);
  if (!metrics_listen.empty()) {
    TESSERA_ASSIGN_OR_RETURN(options.metrics_listen,
                             ParseHostPort("--metrics-listen", metrics_listen));
  }
  if (!options.manifests_directory.empty() && options.agents.empty()) {
    return InvalidArgumentError("--agent: at least one is needed with --manifests");
  }
  return options;
}

}  // namespace tessera::controller
