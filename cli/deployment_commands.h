// The kubectl-like commands that act on what `tessera up` runs: apply,
// get, describe, scale, delete, logs and status. Changes are written to the
// manifests directory (the controller's desired state, as the API server is
// in a cluster); reads come from the running instance's API
// (docs/up-api.md), the same the dashboard draws.

#ifndef TESSERA_CLI_DEPLOYMENT_COMMANDS_H_
#define TESSERA_CLI_DEPLOYMENT_COMMANDS_H_

#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace tessera::cli {

struct DeploymentCommandFlags {
  std::string state_dir{};
  std::string namespace_name{};  // empty: every namespace (get) or "default"
  std::string output{};          // empty: a table; json or yaml
  std::vector<std::string> files{};
  std::string type{};  // get: deployments, roles, nodes or workers
  std::string name{};
  std::string role{};
  int replicas = -1;
  int tail = 100;
};

// Registers apply, get, describe, scale, delete, logs and status on `app`;
// `flags` holds whichever was parsed.
std::vector<CLI::App*> AddDeploymentCommands(CLI::App& app, DeploymentCommandFlags& flags);

// Runs `command` (one of those registered). Exit status 0, 1 when the
// instance or the object is not there, 2 for invalid input.
int RunDeploymentCommand(const CLI::App& command, const DeploymentCommandFlags& flags,
                         std::ostream& out, std::ostream& err);

}  // namespace tessera::cli

#endif  // TESSERA_CLI_DEPLOYMENT_COMMANDS_H_
