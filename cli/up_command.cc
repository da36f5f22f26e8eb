#include "cli/up_command.h"

#include <array>
#include <csignal>
#include <filesystem>
#include <system_error>
#include <thread>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/bearer_token.h"
#include "base/environment.h"
#include "base/host_port.h"
#include "base/strings.h"
#include "cli/up/control_plane.h"
#include "cli/up/manifest_directory.h"
#include "cli/up/up_instance.h"
#include "cli/up/up_paths.h"
#include "cli/up/up_session.h"

namespace tessera::cli {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

fs::path BinaryDirectory() {
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  return error ? fs::current_path() : self.parent_path();
}

std::string NodeName() {
  std::array<char, 256> name{};
  if (gethostname(name.data(), name.size() - 1) != 0 || name[0] == '\0') return "localhost";
  return name.data();
}

// The kernel driver's compute interface exists where AMD GPUs can run.
std::string DetectGpuBackend() { return fs::exists("/dev/kfd") ? "rocm-smi" : "sim"; }

// Writes what -f names (or, with nothing given and nothing applied yet, the
// quickstart) into the manifests directory.
Status ApplyForUp(const std::vector<ManifestObject>& manifests, const UpPaths& paths,
                  const std::string& gpu_backend, std::ostream& out) {
  const ManifestDirectory directory(paths.manifests());
  std::vector<ManifestObject> to_apply = manifests;
  if (to_apply.empty() && directory.Empty()) {
    to_apply.push_back(QuickstartManifest(gpu_backend == "sim" ? "sim" : "vllm"));
  }
  for (const ManifestObject& manifest : to_apply) {
    TESSERA_ASSIGN_OR_RETURN(ApplyResult result, directory.Apply(manifest));
    out << "modeldeployment " << manifest.key.ToString() << " " << ApplyResultName(result)
        << (manifest.source == "the built-in quickstart" ? " (the built-in quickstart)" : "")
        << "\n";
  }
  return OkStatus();
}

// The parent of a detached `up`: waits for the daemon to serve.
int WaitForDetached(pid_t daemon, const UpPaths& paths, int timeout_seconds, std::ostream& out,
                    std::ostream& err) {
  const steady_clock::time_point deadline = steady_clock::now() + seconds(timeout_seconds);
  std::optional<ServingWatch> watch;
  const bool terminal = isatty(STDOUT_FILENO) != 0;
  while (steady_clock::now() < deadline) {
    int wait_status = 0;
    if (waitpid(daemon, &wait_status, WNOHANG) == daemon) {
      err << "tessera up: the detached process exited; its log: "
          << (paths.logs() / "up.log").string() << "\n";
      return 1;
    }
    if (!watch) {
      std::optional<UpInstance> instance = FindRunningInstance(paths.instance());
      if (instance && instance->up.pid == daemon) watch.emplace(instance->api_url, out, terminal);
    }
    if (watch && watch->Tick(steady_clock::now())) {
      out << "\nRunning in the background (pid " << daemon
          << "); `tessera down` stops it, its log is " << (paths.logs() / "up.log").string()
          << "\n";
      return 0;
    }
    std::this_thread::sleep_for(milliseconds(250));
  }
  err << "tessera up: not serving after " << timeout_seconds << " s; still waiting for "
      << (watch ? watch->awaited() : std::string("the API")) << "; see " << paths.logs().string()
      << "\n";
  return 1;
}

}  // namespace

CLI::App* AddUpCommand(CLI::App& app, UpFlags& flags) {
  CLI::App* up = app.add_subcommand(
      "up", "Run Tessera on this machine: controller, agent, routers and workers, one command");
  up->add_option("-f,--filename", flags.files,
                 "ModelDeployment manifests to apply (files or directories); without any, the "
                 "built-in quickstart when nothing was applied before");
  up->add_flag("-d,--detach", flags.detach, "Run in the background; return once serving");
  up->add_option("--state-dir", flags.state_dir,
                 "State directory (default: $TESSERA_HOME, $XDG_STATE_HOME/tessera or "
                 "~/.local/state/tessera)");
  up->add_option("--listen", flags.listen,
                 "Dashboard and API address; the agent takes the next port and the "
                 "controller's metrics the one after")
      ->capture_default_str();
  up->add_option("--gpu-backend", flags.gpu_backend,
                 "auto (rocm-smi when /dev/kfd exists, else sim), sim or rocm-smi")
      ->check(CLI::IsMember({"auto", "sim", "rocm-smi"}))
      ->capture_default_str();
  up->add_option("--sim-topology", flags.sim_topology, "The simulated GPUs of the sim backend")
      ->capture_default_str();
  up->add_option("--timeout", flags.timeout_seconds,
                 "With -d: seconds to wait for the deployments to serve")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  return up;
}

CLI::App* AddDownCommand(CLI::App& app, DownFlags& flags) {
  CLI::App* down =
      app.add_subcommand("down", "Stop a running tessera up: workers, agent and controller");
  down->add_option("--state-dir", flags.state_dir, "State directory, as given to tessera up");
  down->add_option("--timeout", flags.timeout_seconds, "Seconds to wait for everything to stop")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  return down;
}

int RunUpCommand(const UpFlags& flags, std::ostream& out, std::ostream& err) {
  StatusOr<UpPaths> paths = ResolveUpPaths(flags.state_dir, ProcessEnvironment);
  if (!paths.ok()) {
    err << "tessera up: " << paths.status().message() << "\n";
    return 2;
  }
  // The agent and the controller's metrics take the next two ports.
  StatusOr<HostPort> listen = ParseHostPort("--listen", flags.listen);
  if (listen.ok() && (listen->port == 0 || listen->port > 65533)) {
    listen = InvalidArgumentError("--listen: the port must be from 1 to 65533, got " +
                                  std::to_string(listen->port));
  }
  if (!listen.ok()) {
    err << "tessera up: " << listen.status().message() << "\n";
    return 2;
  }
  StatusOr<std::vector<ManifestObject>> manifests = ReadManifests(flags.files);
  if (!manifests.ok()) {
    err << "tessera up: " << manifests.status().message() << "\n";
    return 2;
  }
  if (Status prepared = PrepareUpPaths(*paths); !prepared.ok()) {
    err << "tessera up: " << prepared << "\n";
    return 1;
  }
  const std::string backend = flags.gpu_backend == "auto" ? DetectGpuBackend() : flags.gpu_backend;
  if (Status applied = ApplyForUp(*manifests, *paths, backend, out); !applied.ok()) {
    err << "tessera up: " << applied << "\n";
    return 1;
  }

  const bool terminal = isatty(STDOUT_FILENO) != 0;
  if (std::optional<UpInstance> running = FindRunningInstance(paths->instance())) {
    out << "Tessera is already running here (pid " << running->up.pid
        << "); waiting for what was applied to serve.\n";
    ServingWatch watch(running->api_url, out, terminal);
    const steady_clock::time_point deadline = steady_clock::now() + seconds(flags.timeout_seconds);
    while (!watch.Tick(steady_clock::now())) {
      if (steady_clock::now() > deadline) {
        err << "tessera up: not serving; still waiting for " << watch.awaited() << "\n";
        return 1;
      }
      std::this_thread::sleep_for(milliseconds(250));
    }
    return 0;
  }
  StatusOr<UpInstance> previous_record = ReadUpInstance(paths->instance());
  const std::optional<UpInstance> previous =
      previous_record.ok() ? std::optional<UpInstance>(*previous_record) : std::nullopt;

  const UpOptions options{.paths = *paths,
                          .binary_directory = BinaryDirectory(),
                          .listen_host = listen->host,
                          .listen_port = listen->port,
                          .gpu_backend = backend,
                          .sim_topology = flags.sim_topology,
                          .node_name = NodeName()};
  if (!flags.detach) {
    BlockStopSignals();
    return RunUpSession(options, previous, out, terminal);
  }

  out.flush();
  const pid_t daemon = fork();
  if (daemon < 0) {
    err << "tessera up: fork: " << std::error_code(errno, std::generic_category()).message()
        << "\n";
    return 1;
  }
  if (daemon == 0) {
    // The daemon: its own session, no terminal, its output in up.log.
    setsid();
    const int null = open("/dev/null", O_RDONLY);
    const int log = open((paths->logs() / "up.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (null >= 0) dup2(null, STDIN_FILENO);
    if (log >= 0) {
      dup2(log, STDOUT_FILENO);
      dup2(log, STDERR_FILENO);
    }
    BlockStopSignals();
    std::cout.clear();
    _exit(RunUpSession(options, previous, std::cout, /*terminal=*/false));
  }
  return WaitForDetached(daemon, *paths, flags.timeout_seconds, out, err);
}

int RunDownCommand(const DownFlags& flags, std::ostream& out, std::ostream& err) {
  StatusOr<UpPaths> paths = ResolveUpPaths(flags.state_dir, ProcessEnvironment);
  if (!paths.ok()) {
    err << "tessera down: " << paths.status().message() << "\n";
    return 2;
  }
  StatusOr<UpInstance> record = ReadUpInstance(paths->instance());
  if (!record.ok()) {
    out << "Nothing is running in " << paths->root.string() << "\n";
    return 0;
  }
  const steady_clock::time_point deadline = steady_clock::now() + seconds(flags.timeout_seconds);
  if (IsAlive(record->up)) {
    out << "Stopping tessera up (pid " << record->up.pid << ") ..." << std::endl;
    kill(record->up.pid, SIGTERM);
    while (IsAlive(record->up)) {
      if (steady_clock::now() > deadline) {
        err << "tessera down: tessera up (pid " << record->up.pid << ") still running after "
            << flags.timeout_seconds << " s; see " << (paths->logs() / "up.log").string() << "\n";
        return 1;
      }
      std::this_thread::sleep_for(milliseconds(100));
    }
    out << "Stopped.\n";
    return 0;
  }
  // The `up` that wrote the record is gone (killed): stop what it left
  // behind the way it would have — controller, workers through an agent
  // (started again if need be, to adopt them), agent.
  out << "tessera up (pid " << record->up.pid << ") is gone; stopping what it left running ..."
      << std::endl;
  StopProcess(record->controller, seconds(10));
  ControlPlane control_plane(
      {.paths = *paths,
       .binary_directory = BinaryDirectory(),
       .gpu_backend = record->gpu_backend.empty() ? "sim" : record->gpu_backend,
       .node_name = NodeName()},
      Logger().WithComponent("down"));
  // A live agent of that instance serves the drain; otherwise one is started.
  std::string agent_url = record->agent_url;
  const bool agent_alive = IsAlive(record->agent);
  if (!agent_alive) {
    if (Status started = control_plane.StartAgentOnly(); !started.ok()) {
      err << "tessera down: " << started << "\n";
      return 1;
    }
    agent_url = control_plane.agent_url();
  }
  StatusOr<std::vector<std::string>> tokens = ReadTokenFile(paths->token().string());
  const std::string token = tokens.ok() && !tokens->empty() ? tokens->front() : "";
  const Status drained = DrainAllWorkers(agent_url, token, seconds(10), seconds(60), out);
  if (agent_alive) {
    StopProcess(record->agent, seconds(10));
  } else {
    control_plane.StopAgent(seconds(10));
  }
  std::error_code removed;
  std::filesystem::remove(paths->instance(), removed);
  if (!drained.ok()) {
    err << "tessera down: " << drained << "\n";
    return 1;
  }
  out << "Stopped.\n";
  return 0;
}

}  // namespace tessera::cli
