// `tessera up` itself: the process that runs the control plane of one
// machine, serves its API and dashboard, shows the deployment coming up,
// and on SIGINT, SIGTERM or SIGHUP stops everything in order — the
// controller first (so nothing is recreated), then every worker drained
// through the agent, then the agent — leaving no process behind.
//
// `tessera down`, and a `tessera up -d`'s waiting parent, use the pieces
// below on an instance running elsewhere.

#ifndef TESSERA_CLI_UP_UP_SESSION_H_
#define TESSERA_CLI_UP_UP_SESSION_H_

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "cli/up/manifest_directory.h"
#include "cli/up/startup_progress.h"
#include "cli/up/up_instance.h"
#include "cli/up/up_paths.h"

namespace tessera::cli {

struct UpOptions {
  UpPaths paths{};
  std::filesystem::path binary_directory{};
  std::string listen_host = "127.0.0.1";
  int listen_port = 8480;
  std::string gpu_backend = "sim";
  std::string sim_topology = "8xmi300x:cpx/nps4";
  std::string node_name{};
  // How long workers may finish what they are serving when `up` stops.
  std::chrono::seconds drain_grace{10};
};

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread and in every
// thread it starts afterwards, for RunUpSession() to take them in turn.
// Call it before any thread is started.
void BlockStopSignals();

// Runs until a stop signal, then stops everything. `previous` is the record
// of an earlier `up` that is gone (its orphaned agent and controller are
// replaced; its workers re-adopted). Progress and the status table go to
// `out`; `terminal` redraws progress in place. The caller has called
// BlockStopSignals(). Returns the exit status.
int RunUpSession(const UpOptions& options, const std::optional<UpInstance>& previous,
                 std::ostream& out, bool terminal);

// GET `api_url` + `path`, parsed.
StatusOr<nlohmann::json> FetchApiJson(const std::string& api_url, std::string_view path);

// Shows progress until the instance at `api_url` serves; then prints its
// status table once. Call Tick() every few hundred milliseconds.
class ServingWatch {
 public:
  ServingWatch(std::string api_url, std::ostream& out, bool terminal);

  // True once serving (and the table is printed).
  bool Tick(std::chrono::steady_clock::time_point now);
  // What is still awaited, for a timeout message.
  const std::string& awaited() const { return awaited_; }

 private:
  std::string api_url_;
  std::ostream& out_;
  StartupProgress progress_;
  std::string awaited_ = "the API";
  bool served_ = false;
};

// Drains every worker of the agent at `agent_url` (DELETE with
// `grace`) and waits until the agent runs none, or `timeout`.
Status DrainAllWorkers(const std::string& agent_url, const std::string& token,
                       std::chrono::seconds grace, std::chrono::seconds timeout, std::ostream& out);

// The deployments, workers, endpoints and dashboard of an overview, as
// `tessera up` and `tessera status` print them.
std::string UpStatusTable(const nlohmann::json& overview, const std::string& dashboard_url);

}  // namespace tessera::cli

#endif  // TESSERA_CLI_UP_UP_SESSION_H_
