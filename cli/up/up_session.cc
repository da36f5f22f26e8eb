#include "cli/up/up_session.h"

#include <csignal>
#include <thread>
#include <utility>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "base/bearer_token.h"
#include "base/logging.h"
#include "base/strings.h"
#include "base/time_format.h"
#include "base/yaml_json.h"
#include "cli/up/agent_request.h"
#include "cli/up/control_plane.h"
#include "cli/up/printers/resource_printer.h"
#include "cli/up/up_server.h"
#include "http/http_client.h"
#include "http/http_url.h"

namespace tessera::cli {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

constexpr milliseconds kTick{250};

sigset_t StopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  return signals;
}

// Waits up to `timeout` for a stop signal (blocked by BlockStopSignals());
// the signal, or 0.
int WaitForStopSignal(milliseconds timeout) {
  const sigset_t signals = StopSignals();
  timespec wait{};
  wait.tv_sec = static_cast<decltype(wait.tv_sec)>(timeout.count() / 1000);
  wait.tv_nsec = static_cast<decltype(wait.tv_nsec)>((timeout.count() % 1000) * 1'000'000);
  const int signal = sigtimedwait(&signals, nullptr, &wait);
  return signal > 0 ? signal : 0;
}

std::string_view StopSignalName(int signal) {
  switch (signal) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    default:
      return "signal";
  }
}

StatusOr<json> FetchAgentWorkers(const std::string& agent_url, const std::string& token) {
  TESSERA_ASSIGN_OR_RETURN(
      http::HttpClientResponse response,
      http::FetchAndWait(AgentRequest("GET", agent_url + "/v1/workers", token),
                         {.connect_timeout = seconds(2), .read_timeout = seconds(10)}));
  if (response.status != 200) {
    return UnavailableError("agent /v1/workers: HTTP " + std::to_string(response.status));
  }
  TESSERA_ASSIGN_OR_RETURN(json body, ParseJson(response.body));
  return body.value("workers", json::array());
}

}  // namespace

void BlockStopSignals() {
  const sigset_t signals = StopSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

StatusOr<json> FetchApiJson(const std::string& api_url, std::string_view path) {
  StatusOr<http::HttpClientResponse> response =
      http::FetchAndWait({.url = api_url + std::string(path)},
                         {.connect_timeout = seconds(2), .read_timeout = seconds(30)});
  if (!response.ok()) {
    return response.status().WithContext("tessera up at " + api_url + " (is it running?)");
  }
  StatusOr<json> body = ParseJson(response->body);
  if (response->status != 200) {
    const std::string message = body.ok() && body->contains("error")
                                    ? (*body)["error"].get<std::string>()
                                    : "HTTP " + std::to_string(response->status);
    return response->status == 404 ? NotFoundError(message) : UnavailableError(message);
  }
  return body;
}

std::string UpStatusTable(const json& overview, const std::string& dashboard_url) {
  return PrintStatusTable(overview.value("deployments", json::array()), dashboard_url);
}

ServingWatch::ServingWatch(std::string api_url, std::ostream& out, bool terminal)
    : api_url_(std::move(api_url)), out_(out), progress_(out, terminal, steady_clock::now()) {}

bool ServingWatch::Tick(steady_clock::time_point now) {
  if (served_) return true;
  StatusOr<json> overview = FetchApiJson(api_url_, "/api/v1/overview");
  if (!overview.ok()) {
    awaited_ = overview.status().message();
    return false;
  }
  progress_.Show(*overview, now);
  awaited_ = AwaitedBeforeServing(*overview);
  if (!awaited_.empty()) return false;
  // The router answers its readiness once it has a healthy worker for
  // every role: only then does a first request succeed.
  for (const json& deployment : (*overview)["deployments"]) {
    const std::string endpoint = deployment["status"].value("endpoint", "");
    StatusOr<http::HttpClientResponse> ready =
        http::FetchAndWait({.url = endpoint + "/readiness"},
                           {.connect_timeout = seconds(2), .read_timeout = seconds(5)});
    if (!ready.ok() || ready->status != 200) {
      awaited_ = deployment.value("name", "") + ": its router's readiness";
      return false;
    }
  }
  served_ = true;
  out_ << "\n" << UpStatusTable(*overview, api_url_ + "/") << std::flush;
  return true;
}

Status DrainAllWorkers(const std::string& agent_url, const std::string& token, seconds grace,
                       seconds timeout, std::ostream& out) {
  TESSERA_ASSIGN_OR_RETURN(json workers, FetchAgentWorkers(agent_url, token));
  if (workers.empty()) return OkStatus();
  out << "Draining " << CountOf(static_cast<int64_t>(workers.size()), "worker") << " ..."
      << std::endl;
  for (const json& worker : workers) {
    const std::string id = worker.value("id", "");
    StatusOr<http::HttpClientResponse> response =
        http::FetchAndWait(AgentRequest("DELETE",
                                        agent_url + "/v1/workers/" + http::PercentEncode(id) +
                                            "?graceSeconds=" + std::to_string(grace.count()),
                                        token),
                           {.connect_timeout = seconds(2), .read_timeout = seconds(10)});
    if (!response.ok()) return response.status().WithContext("draining " + id);
  }
  const steady_clock::time_point deadline = steady_clock::now() + timeout;
  while (steady_clock::now() < deadline) {
    StatusOr<json> left = FetchAgentWorkers(agent_url, token);
    if (left.ok() && left->empty()) return OkStatus();
    std::this_thread::sleep_for(kTick);
  }
  return DeadlineExceededError("workers still running after " + std::to_string(timeout.count()) +
                               " s");
}

int RunUpSession(const UpOptions& options, const std::optional<UpInstance>& previous,
                 std::ostream& out, bool terminal) {
  // Progress and the status table are the terminal's; the log is up.log's.
  StatusOr<std::shared_ptr<FileLogSink>> sink =
      FileLogSink::Open((options.paths.logs() / "up.log").string());
  if (!sink.ok()) {
    out << "tessera up: " << sink.status() << std::endl;
    return 1;
  }
  Logger logger = Logger({.sink = *sink}).WithComponent("up");
  ControlPlane control_plane({.paths = options.paths,
                              .binary_directory = options.binary_directory,
                              .gpu_backend = options.gpu_backend,
                              .sim_topology = options.sim_topology,
                              .node_name = options.node_name,
                              .agent_host = options.listen_host,
                              .agent_port = options.listen_port + 1,
                              .controller_metrics_port = options.listen_port + 2},
                             logger.WithComponent("processes"));
  out << "Starting Tessera in " << options.paths.root.string() << " (GPU backend "
      << options.gpu_backend << ")" << std::endl;
  StatusOr<std::vector<std::string>> tokens = ReadTokenFile(options.paths.token().string());
  const std::string token = tokens.ok() && !tokens->empty() ? tokens->front() : "";

  // The API first: a taken port is refused before anything else starts.
  boost::asio::io_context io_context;
  const std::string started_at = FormatRfc3339(std::chrono::system_clock::now());
  StatusOr<std::unique_ptr<UpServer>> server =
      UpServer::Start(io_context,
                      {.host = options.listen_host,
                       .port = options.listen_port,
                       .paths = options.paths,
                       .agent_url = control_plane.agent_url(),
                       .agent_token = token,
                       .node_name = options.node_name,
                       .started_at = started_at},
                      logger.WithComponent("api"));
  if (!server.ok()) {
    out << "tessera up: " << server.status() << std::endl;
    return 1;
  }
  if (Status started = control_plane.Start(previous); !started.ok()) {
    out << "tessera up: " << started << std::endl;
    return 1;
  }
  auto work = boost::asio::make_work_guard(io_context);
  std::thread io_thread([&io_context] { io_context.run(); });

  UpInstance instance{.up = {.pid = getpid()},
                      .agent = control_plane.agent(),
                      .controller = control_plane.controller(),
                      .api_url = (*server)->url(),
                      .agent_url = control_plane.agent_url(),
                      .gpu_backend = options.gpu_backend,
                      .started_at = started_at};
  if (StatusOr<std::optional<uint64_t>> ticks = ReadProcessStartTicks(getpid());
      ticks.ok() && *ticks) {
    instance.up.start_ticks = **ticks;
  }
  auto record = [&] {
    if (Status written = WriteUpInstance(options.paths.instance(), instance); !written.ok()) {
      logger.Error("up.json not written", {{"error", written}});
    }
  };
  record();
  out << "Dashboard and API on " << instance.api_url << "/" << std::endl;

  ServingWatch watch(instance.api_url, out, terminal);
  bool announced = false;
  int signal = 0;
  while ((signal = WaitForStopSignal(kTick)) == 0) {
    control_plane.Supervise(steady_clock::now());
    if (!(control_plane.agent() == instance.agent) ||
        !(control_plane.controller() == instance.controller)) {
      instance.agent = control_plane.agent();
      instance.controller = control_plane.controller();
      record();
    }
    if (!announced && watch.Tick(steady_clock::now())) {
      announced = true;
      out << "\nServing. `tessera status` shows it again; Ctrl-C or `tessera down` stops "
             "everything."
          << std::endl;
    }
  }

  out << "\nStopping (" << StopSignalName(signal) << "): the controller" << std::endl;
  control_plane.StopController(seconds(10));
  // The workers are drained through an agent; one that has just died is
  // started again for that.
  if (!IsAlive(control_plane.agent())) {
    control_plane.StopAgent(seconds(1));
    if (Status started = control_plane.StartAgentOnly(); !started.ok()) {
      out << "tessera up: " << started << std::endl;
    }
  }
  if (Status drained = DrainAllWorkers(control_plane.agent_url(), token, options.drain_grace,
                                       options.drain_grace + seconds(30), out);
      !drained.ok()) {
    out << "tessera up: " << drained << std::endl;
  }
  out << "Stopping the agent" << std::endl;
  control_plane.StopAgent(seconds(10));
  boost::asio::post(io_context, [&server, &io_context] {
    (*server)->Stop();
    io_context.stop();
  });
  io_thread.join();
  std::error_code removed;
  std::filesystem::remove(options.paths.instance(), removed);
  out << "Stopped. What was applied stays in " << options.paths.manifests().string()
      << "; `tessera up` runs it again." << std::endl;
  return 0;
}

}  // namespace tessera::cli
