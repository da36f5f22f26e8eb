// libFuzzer target over the agent's whole admin request path: raw bytes as
// a client sends them, through the HTTP request parser with the admin API's
// screen (token, path and query decoding) and on through the routes to a
// real supervisor. Any input must give an answer with a status code and,
// for JSON answers, a JSON body; never a crash, a hang or an unbounded
// allocation. The engine the supervisor would start does not exist, so an
// accepted PUT costs a failed spawn, not a process.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "agent/api/admin_http.h"
#include "agent/api/admin_routes.h"
#include "agent/gpu/sim_gpu_backend.h"
#include "agent/gpu/sim_topology.h"
#include "agent/supervisor/host_services.h"
#include "agent/supervisor/supervisor.h"
#include "base/clock.h"
#include "http/request_parser.h"

namespace {

using namespace tessera;  // NOLINT(google-build-using-namespace): a fuzz target's one file

constexpr std::string_view kToken = "fuzz-token-0123456789";

struct Harness {
  Harness()
      : state_directory(std::filesystem::temp_directory_path() /
                        ("tessera-admin-fuzzer-" + std::to_string(::getpid()))),
        gpus(*agent::ParseSimTopologyShorthand("1xmi300x:cpx/nps4")),
        options({.engines = {{"sim",
                              {.name = "sim",
                               .kind = wire::EngineKind::kSim,
                               .command = {"/nonexistent/tessera-fuzz-engine"}}}},
                 .state_directory = state_directory,
                 .log_directory = state_directory / "logs",
                 .bind_host = "127.0.0.1",
                 .reserved_ports = {}}),
        logger({.minimum_level = LogLevel::kError}),
        host(io_context, options, gpus, SystemClock::Default(), logger),
        supervisor(io_context, options, host.services(), logger),
        routes(
            supervisor, std::string(kToken), [](bool /*gzip*/) { return std::string("# none\n"); },
            "fuzz-node") {
    if (!supervisor.Recover().ok()) std::abort();
  }

  boost::asio::io_context io_context;
  std::filesystem::path state_directory;
  agent::SimGpuBackend gpus;
  agent::SupervisorOptions options;
  Logger logger;
  agent::HostServices host;
  agent::Supervisor supervisor;
  agent::AdminRoutes routes;
  http::RequestScreen screen = [this](const http::HttpRequest& head) {
    return agent::ScreenAdminHead(routes, head);
  };
};

void CheckAnswer(const http::HttpResponse& response) {
  if (response.status < 200 || response.status > 599) std::abort();
  const std::optional<std::string_view> type = http::FindHeader(response.headers, "Content-Type");
  if (type == "application/json" && !nlohmann::json::accept(response.body)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Harness* harness = new Harness();
  http::RequestParser parser(/*max_header_bytes=*/16 << 10, /*max_body_bytes=*/64 << 10,
                             &harness->screen);
  boost::beast::error_code error;
  // Input that stops part-way is a request still arriving: nothing to answer.
  parser.put(boost::asio::const_buffer(data, size), error);
  if (std::optional<http::HttpResponse>& screened = parser.screened(); screened) {
    CheckAnswer(*screened);
    return 0;
  }
  if (error || !parser.is_done()) return 0;
  CheckAnswer(agent::AnswerAdminRequest(harness->routes, std::move(parser.request())).response);
  // Timers the supervisor armed (restart backoff) run no further: each input
  // is answered as the loop would answer it, one at a time.
  harness->io_context.poll();
  return 0;
}
