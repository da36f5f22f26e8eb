// The two long-lived processes `tessera up` runs: one tessera-agent for this
// machine and one tessera-controller on the manifests directory. Each is a
// session leader of its own (so a Ctrl-C at the terminal reaches `tessera
// up` alone, which then stops everything in order), logs to
// <state>/logs/<name>.log, and is restarted with backoff when it exits.
//
// Engine workers and routers are the agent's children, not ours: the agent
// leaves them running when it stops, and the next agent on the same state
// directory adopts them. That is what lets a second `up`, after the first
// was killed, keep every healthy worker (same pids).

#ifndef TESSERA_CLI_UP_CONTROL_PLANE_H_
#define TESSERA_CLI_UP_CONTROL_PLANE_H_

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/backoff.h"
#include "base/logging.h"
#include "base/process.h"
#include "base/status.h"
#include "cli/up/up_instance.h"
#include "cli/up/up_paths.h"

namespace tessera::cli {

struct ControlPlaneOptions {
  UpPaths paths{};
  // Where tessera-agent, tessera-controller, tessera-router and
  // tessera-engine-sim are: beside the `tessera` binary.
  std::filesystem::path binary_directory{};
  std::string gpu_backend = "sim";  // or "rocm-smi"
  std::string sim_topology = "8xmi300x:cpx/nps4";
  std::string node_name{};  // the agent's hostname and the controller's node
  std::string agent_host = "127.0.0.1";
  int agent_port = 8481;
  // The controller's /metrics, /healthz and /readyz, on agent_host.
  int controller_metrics_port = 8482;
  std::chrono::seconds agent_ready_timeout{30};
};

class ControlPlane {
 public:
  ControlPlane(ControlPlaneOptions options, Logger logger);

  // Stops what `previous` (the record of an up that is gone) left running
  // of the agent and the controller — never its workers — then starts the
  // agent, waits until it has recovered its workers (/readyz), and starts
  // the controller. The error names the process and ends with its log.
  Status Start(const std::optional<UpInstance>& previous);

  // The agent alone, waited for: `tessera down` uses it to adopt and drain
  // the workers of an `up` whose agent is gone too.
  Status StartAgentOnly();

  // Restarts the agent or the controller if it has exited, no sooner than
  // its backoff allows; call it every second or so.
  void Supervise(std::chrono::steady_clock::time_point now);

  // SIGTERM, then SIGKILL after `timeout`; waits for the exit.
  void StopController(std::chrono::seconds timeout);
  void StopAgent(std::chrono::seconds timeout);

  ProcessIdentity agent() const { return agent_.identity; }
  ProcessIdentity controller() const { return controller_.identity; }
  std::string agent_url() const;
  const ControlPlaneOptions& options() const { return options_; }

 private:
  struct Child {
    std::string name;  // "agent", "controller"
    ProcessIdentity identity{};
    Backoff backoff;
    std::chrono::steady_clock::time_point next_start{};
  };

  ProcessSpec AgentSpec() const;
  ProcessSpec ControllerSpec() const;
  Status Launch(Child& child, const ProcessSpec& spec);
  Status WaitForAgent(const Child& child) const;
  static void StopChild(Child& child, std::chrono::seconds timeout);
  std::string LogTail(const Child& child) const;

  ControlPlaneOptions options_;
  Logger logger_;
  Child agent_;
  Child controller_;
};

// Stops `identity` (our child or not): SIGTERM to its process group, then
// SIGKILL after `timeout`; returns once it is gone. Reaps it if it is ours.
void StopProcess(const ProcessIdentity& identity, std::chrono::milliseconds timeout);

// The agent's configuration `tessera up` writes: the engines this machine
// may run (the simulator beside the binaries; vLLM and SGLang from PATH).
std::string UpAgentConfig(const std::filesystem::path& binary_directory);

}  // namespace tessera::cli

#endif  // TESSERA_CLI_UP_CONTROL_PLANE_H_
