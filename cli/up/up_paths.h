// Where `tessera up` keeps its state, and how that directory is laid out.
// Everything an instance needs to be found, re-adopted or stopped by a
// later command lives here, so that `tessera get` in another terminal and
// the next `tessera up` act on the same deployment.
//
//   <root>/manifests/    the controller's directory store: what should run
//   <root>/agent/        the agent's worker state; logs/ holds worker logs
//   <root>/logs/         up.log, agent.log, controller.log
//   <root>/token         the agent's bearer token (mode 0600)
//   <root>/up.json       the running instance: its processes and URLs

#ifndef TESSERA_CLI_UP_UP_PATHS_H_
#define TESSERA_CLI_UP_UP_PATHS_H_

#include <filesystem>
#include <string>

#include "base/environment.h"
#include "base/status.h"

namespace tessera::cli {

struct UpPaths {
  std::filesystem::path root;

  std::filesystem::path manifests() const { return root / "manifests"; }
  std::filesystem::path agent_state() const { return root / "agent"; }
  std::filesystem::path worker_logs() const { return root / "agent" / "logs"; }
  std::filesystem::path logs() const { return root / "logs"; }
  std::filesystem::path token() const { return root / "token"; }
  std::filesystem::path instance() const { return root / "up.json"; }
};

// `flag` when given (--state-dir), else $TESSERA_HOME, else
// $XDG_STATE_HOME/tessera, else $HOME/.local/state/tessera.
StatusOr<UpPaths> ResolveUpPaths(const std::string& flag, const EnvironmentLookup& environment);

// Creates the directories and, when missing, a token of 32 random bytes
// (base64) readable by the owner only.
Status PrepareUpPaths(const UpPaths& paths);

}  // namespace tessera::cli

#endif  // TESSERA_CLI_UP_UP_PATHS_H_
