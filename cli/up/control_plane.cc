#include "cli/up/control_plane.h"

#include <csignal>
#include <thread>
#include <utility>

#include "base/file.h"
#include "base/strings.h"
#include "http/http_client.h"

namespace tessera::cli {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

constexpr milliseconds kStopPoll{50};

BackoffPolicy RestartPolicy() {
  return {.initial = seconds(1),
          .factor = 2.0,
          .cap = seconds(30),
          .reset_after = std::chrono::minutes(1)};
}

// A leftover process of an earlier instance is only ever stopped when its
// command line still names the program we started: a pid reused by another
// program, even with a start time we did not record, is left alone.
bool RunsProgram(const ProcessIdentity& identity, std::string_view program) {
  if (identity.pid <= 0 || !IsAlive(identity)) return false;
  StatusOr<std::string> command_line =
      ReadFile("/proc/" + std::to_string(identity.pid) + "/cmdline", 64 << 10);
  return command_line.ok() && command_line->find(program) != std::string::npos;
}

}  // namespace

void StopProcess(const ProcessIdentity& identity, milliseconds timeout) {
  if (identity.pid <= 0) return;
  auto gone = [&] {
    if (!IsAlive(identity)) {
      (void)ReapExited(identity.pid);
      return true;
    }
    return false;
  };
  if (gone()) return;
  (void)SignalProcessGroup(identity, -1, SIGTERM);
  const steady_clock::time_point deadline = steady_clock::now() + timeout;
  while (steady_clock::now() < deadline) {
    if (gone()) return;
    std::this_thread::sleep_for(kStopPoll);
  }
  (void)SignalProcessGroup(identity, -1, SIGKILL);
  for (int attempt = 0; attempt < 100 && !gone(); ++attempt) std::this_thread::sleep_for(kStopPoll);
}

std::string UpAgentConfig(const fs::path& binary_directory) {
  return "# Written by tessera up: the engines this machine may run.\n"
         "engines:\n"
         "  sim: {kind: sim, command: [" +
         JsonQuote((binary_directory / "tessera-engine-sim").string()) +
         "], flavor: vllm}\n"
         "  vllm: {kind: vllm, command: [vllm]}\n"
         "  sglang: {kind: sglang, command: [python3, -m, sglang.launch_server]}\n";
}

ControlPlane::ControlPlane(ControlPlaneOptions options, Logger logger)
    : options_(std::move(options)),
      logger_(std::move(logger)),
      agent_{.name = "agent", .backoff = Backoff(RestartPolicy(), NonDeterministicUniformRandom())},
      controller_{.name = "controller",
                  .backoff = Backoff(RestartPolicy(), NonDeterministicUniformRandom())} {}

std::string ControlPlane::agent_url() const {
  return "http://" + options_.agent_host + ":" + std::to_string(options_.agent_port);
}

ProcessSpec ControlPlane::AgentSpec() const {
  const UpPaths& paths = options_.paths;
  ProcessSpec spec{
      .argv = {(options_.binary_directory / "tessera-agent").string(), "--gpu-backend",
               options_.gpu_backend, "--state-dir", paths.agent_state().string(), "--log-dir",
               paths.worker_logs().string(), "--token-file", paths.token().string(), "--config",
               (paths.root / "agent.yaml").string(), "--listen",
               options_.agent_host + ":" + std::to_string(options_.agent_port), "--advertise-host",
               options_.agent_host, "--hostname", options_.node_name},
      .log_path = (paths.logs() / "agent.log").string()};
  if (options_.gpu_backend == "sim") {
    spec.argv.insert(spec.argv.end(), {"--sim-topology", options_.sim_topology});
  }
  return spec;
}

ProcessSpec ControlPlane::ControllerSpec() const {
  const UpPaths& paths = options_.paths;
  return {.argv = {(options_.binary_directory / "tessera-controller").string(), "--manifests",
                   paths.manifests().string(), "--agent", options_.node_name + "=" + agent_url(),
                   "--agent-token-file", paths.token().string(), "--metrics-listen",
                   options_.agent_host + ":" + std::to_string(options_.controller_metrics_port)},
          .log_path = (paths.logs() / "controller.log").string()};
}

Status ControlPlane::Launch(Child& child, const ProcessSpec& spec) {
  StatusOr<ProcessIdentity> identity = LaunchProcess(spec);
  if (!identity.ok()) return identity.status().WithContext("starting the " + child.name);
  child.identity = *identity;
  logger_.Info("started", {{"process", child.name}, {"pid", identity->pid}});
  return OkStatus();
}

std::string ControlPlane::LogTail(const Child& child) const {
  StatusOr<std::string> log = ReadFile(options_.paths.logs() / (child.name + ".log"));
  if (!log.ok()) return "";
  const std::string_view text = TrimWhitespace(*log);
  // The last few lines: enough to show why a process would not start.
  size_t start = text.size();
  for (int lines = 0; lines < 6 && start > 0; ++lines) {
    const size_t newline = text.rfind('\n', start - 1);
    start = newline == std::string_view::npos ? 0 : newline;
  }
  return std::string(TrimWhitespace(text.substr(start)));
}

Status ControlPlane::WaitForAgent(const Child& child) const {
  const steady_clock::time_point deadline = steady_clock::now() + options_.agent_ready_timeout;
  while (steady_clock::now() < deadline) {
    if (!IsAlive(child.identity)) {
      const ProcessExit exit = ReapExited(child.identity.pid);
      return UnavailableError("the agent exited at start (" + exit.Describe() +
                              "): " + LogTail(child));
    }
    StatusOr<http::HttpClientResponse> ready =
        http::FetchAndWait({.url = agent_url() + "/readyz"},
                           {.connect_timeout = seconds(1), .read_timeout = seconds(2)});
    if (ready.ok() && ready->status == 200) return OkStatus();
    std::this_thread::sleep_for(milliseconds(100));
  }
  return DeadlineExceededError("the agent did not recover its workers within " +
                               std::to_string(options_.agent_ready_timeout.count()) + " s; see " +
                               (options_.paths.logs() / "agent.log").string());
}

Status ControlPlane::Start(const std::optional<UpInstance>& previous) {
  if (previous) {
    // A killed `up` leaves its agent and controller orphaned; they must go
    // before ours start (one agent per state directory). Its workers stay.
    if (RunsProgram(previous->controller, "tessera-controller")) {
      logger_.Info("stopping the controller of an earlier up", {{"pid", previous->controller.pid}});
      StopProcess(previous->controller, seconds(10));
    }
    if (RunsProgram(previous->agent, "tessera-agent")) {
      logger_.Info("stopping the agent of an earlier up", {{"pid", previous->agent.pid}});
      StopProcess(previous->agent, seconds(10));
    }
  }
  TESSERA_RETURN_IF_ERROR(StartAgentOnly());
  return Launch(controller_, ControllerSpec());
}

Status ControlPlane::StartAgentOnly() {
  TESSERA_RETURN_IF_ERROR(WriteFileAtomically(options_.paths.root / "agent.yaml",
                                              UpAgentConfig(options_.binary_directory)));
  TESSERA_RETURN_IF_ERROR(Launch(agent_, AgentSpec()));
  if (Status ready = WaitForAgent(agent_); !ready.ok()) {
    StopProcess(agent_.identity, seconds(5));
    agent_.identity = {};
    return ready;
  }
  return OkStatus();
}

void ControlPlane::Supervise(steady_clock::time_point now) {
  for (Child* child : {&agent_, &controller_}) {
    if (child->identity.pid > 0 && IsAlive(child->identity)) continue;
    if (child->identity.pid > 0) {
      const ProcessExit exit = ReapExited(child->identity.pid);
      logger_.Warning(
          "exited; restarting",
          {{"process", child->name}, {"pid", child->identity.pid}, {"exit", exit.Describe()}});
      child->identity = {};
      child->next_start =
          now + std::chrono::duration_cast<steady_clock::duration>(child->backoff.Next(now));
    }
    if (now < child->next_start) continue;
    const Status started = Launch(*child, child == &agent_ ? AgentSpec() : ControllerSpec());
    if (!started.ok()) {
      logger_.Error("restart failed", {{"process", child->name}, {"error", started}});
      child->next_start =
          now + std::chrono::duration_cast<steady_clock::duration>(child->backoff.Next(now));
    }
  }
}

void ControlPlane::StopController(seconds timeout) { StopChild(controller_, timeout); }
void ControlPlane::StopAgent(seconds timeout) { StopChild(agent_, timeout); }

void ControlPlane::StopChild(Child& child, seconds timeout) {
  StopProcess(child.identity, timeout);
  child.identity = {};
  // Supervise() must not bring it back.
  child.next_start = steady_clock::time_point::max();
}

}  // namespace tessera::cli
