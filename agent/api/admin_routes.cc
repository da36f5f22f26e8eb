#include "agent/api/admin_routes.h"

#include <chrono>

#include <nlohmann/json.hpp>

#include "agent/metrics/gzip.h"
#include "base/bearer_token.h"
#include "base/http_status.h"
#include "base/numbers.h"
#include "base/strings.h"
#include "wire/node_inventory.h"
#include "wire/worker_status.h"

namespace tessera::agent {
namespace {

using nlohmann::json;

constexpr int kDefaultLogLines = 100;
constexpr int kMaxLogLines = 100'000;
// A wait for the workers to change, without timeoutSeconds, and at most.
constexpr int kDefaultWaitSeconds = 30;
constexpr int kMaxWaitSeconds = 300;
constexpr size_t kMaxVersionBytes = 64;

ApiResponse Error(const Status& status) {
  ApiResponse response = AdminErrorResponse(HttpStatusForStatusCode(status.code()), status);
  if (response.status == 401) response.headers.emplace_back("WWW-Authenticate", "Bearer");
  return response;
}

// Strings that are not valid UTF-8 (a client may send any bytes) are
// replaced rather than thrown about.
std::string Dump(const json& body) {
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

ApiResponse Json(int status, const json& body) { return {.status = status, .body = Dump(body)}; }

// Query parameter `name` as an integer from `low` to `high`; nullopt when
// the request has none.
StatusOr<std::optional<int>> IntegerParameter(const ApiRequest& request, const std::string& name,
                                              int low, int high) {
  const auto it = request.query.find(name);
  if (it == request.query.end()) return std::optional<int>();
  const std::optional<int> parsed = ParseInteger<int>(it->second);
  if (!parsed || *parsed < low || *parsed > high) {
    return InvalidArgumentError(name + ": must be an integer from " + std::to_string(low) + " to " +
                                std::to_string(high) + ", got " + Quote(it->second));
  }
  return parsed;
}

}  // namespace

ApiResponse AdminErrorResponse(int status, const Status& reason) {
  return {.status = status,
          .body = Dump({{"error",
                         {{"code", status},
                          {"status", StatusCodeName(reason.code())},
                          {"message", reason.message()}}}})};
}

AdminRoutes::AdminRoutes(Supervisor& supervisor, std::optional<std::string> token,
                         std::function<std::string(bool gzip)> render_metrics, std::string hostname,
                         std::map<std::string, std::string> labels)
    : supervisor_(supervisor),
      token_(std::move(token)),
      render_metrics_(std::move(render_metrics)),
      hostname_(std::move(hostname)),
      labels_(std::move(labels)) {}

bool AdminRoutes::Authorized(const std::string& authorization) const {
  return !token_ || BearerTokenMatches(authorization, {*token_});
}

std::optional<ApiResponse> AdminRoutes::Screen(const ApiRequest& head) const {
  if (head.path == "/healthz" || head.path == "/readyz") return std::nullopt;
  if (Authorized(head.authorization)) return std::nullopt;
  return Error(UnauthenticatedError(
      head.authorization.empty()
          ? "missing bearer token: send 'Authorization: Bearer <token>' (the agent's token file)"
          : "invalid bearer token"));
}

ApiResponse AdminRoutes::Handle(const ApiRequest& request) {
  if (std::optional<ApiResponse> refused = Screen(request)) return *std::move(refused);
  const std::string& path = request.path;
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (path == "/healthz") {
    if (!get) return Error(InvalidArgumentError("/healthz: use GET"));
    return {.content_type = "text/plain", .body = "ok\n"};
  }
  if (path == "/readyz") {
    if (!get) return Error(InvalidArgumentError("/readyz: use GET"));
    if (!supervisor_.recovered()) {
      return Error(UnavailableError("recovering worker state"));
    }
    return {.content_type = "text/plain", .body = "ok\n"};
  }
  if (path == "/metrics" && get) {
    // Compressed when the scraper asks for it, as Prometheus does.
    const bool gzip = AcceptsGzip(request.accept_encoding);
    std::string body = render_metrics_(gzip);
    return {.content_type = "text/plain; version=0.0.4; charset=utf-8",
            .content_encoding = gzip && !body.empty() ? "gzip" : "",
            .body = gzip && body.empty() ? render_metrics_(false) : std::move(body)};
  }
  if (path == "/v1/node" && get) return Node();
  if (path == "/v1/sd" && get) return ServiceDiscovery();
  constexpr std::string_view kWorkers = "/v1/workers";
  if (path == kWorkers || path.starts_with(std::string(kWorkers) + "/")) {
    return Workers(request, path.substr(std::min(path.size(), kWorkers.size() + 1)));
  }
  return Error(NotFoundError("no route " + request.method + " " + path));
}

ApiResponse AdminRoutes::Workers(const ApiRequest& request, const std::string& rest) {
  const std::string& method = request.method;
  if (rest.empty()) {
    if (method != "GET") return Error(InvalidArgumentError("/v1/workers: use GET"));
    return WorkerList(request);
  }
  const size_t slash = rest.find('/');
  const std::string id = rest.substr(0, slash);
  const std::string sub = slash == std::string::npos ? "" : rest.substr(slash + 1);
  if (Status valid = wire::ValidateWorkerId(id); !valid.ok()) return Error(valid);

  if (sub == "logs") {
    if (method != "GET") return Error(InvalidArgumentError("logs: use GET"));
    StatusOr<std::optional<int>> lines = IntegerParameter(request, "tail", 1, kMaxLogLines);
    if (!lines.ok()) return Error(lines.status());
    StatusOr<std::string> logs = supervisor_.Logs(id, lines->value_or(kDefaultLogLines));
    if (!logs.ok()) return Error(logs.status());
    return {.content_type = "text/plain; charset=utf-8", .body = *std::move(logs)};
  }
  if (!sub.empty()) return Error(NotFoundError("no route " + method + " " + request.path));

  if (method == "GET") {
    StatusOr<WorkerStatus> worker = supervisor_.GetWorker(id);
    if (!worker.ok()) return Error(worker.status());
    return Json(200, wire::WorkerStatusToJson(*worker));
  }
  if (method == "PUT") {
    StatusOr<wire::WorkerSpec> spec = wire::ParseWorkerSpec(request.body);
    if (!spec.ok()) return Error(spec.status());
    StatusOr<Supervisor::ApplyOutcome> outcome = supervisor_.Apply(id, *std::move(spec));
    if (!outcome.ok()) return Error(outcome.status());
    StatusOr<WorkerStatus> worker = supervisor_.GetWorker(id);
    if (!worker.ok()) return Error(worker.status());
    return Json(*outcome == Supervisor::ApplyOutcome::kCreated ? 201 : 200,
                wire::WorkerStatusToJson(*worker));
  }
  if (method == "DELETE") {
    StatusOr<std::optional<int>> seconds = IntegerParameter(request, "graceSeconds", 0, 24 * 3600);
    if (!seconds.ok()) return Error(seconds.status());
    std::optional<std::chrono::milliseconds> grace;
    if (*seconds) grace = std::chrono::seconds(**seconds);
    if (Status status = supervisor_.Delete(id, grace); !status.ok()) return Error(status);
    StatusOr<WorkerStatus> worker = supervisor_.GetWorker(id);
    if (!worker.ok()) return Json(200, {{"id", id}, {"state", "stopped"}});
    return Json(202, wire::WorkerStatusToJson(*worker));
  }
  return Error(InvalidArgumentError(method + " " + request.path + ": use GET, PUT or DELETE"));
}

ApiResponse AdminRoutes::WorkerList(const ApiRequest& request) const {
  const auto after = request.query.find("after");
  StatusOr<std::optional<int>> wait_seconds =
      IntegerParameter(request, "timeoutSeconds", 1, kMaxWaitSeconds);
  if (!wait_seconds.ok()) return Error(wait_seconds.status());
  if (*wait_seconds && after == request.query.end()) {
    return Error(InvalidArgumentError(
        "timeoutSeconds: only with after=<resourceVersion>, the version to wait past"));
  }
  if (after != request.query.end() && after->second.size() > kMaxVersionBytes) {
    return Error(InvalidArgumentError("after: a resourceVersion is at most " +
                                      std::to_string(kMaxVersionBytes) + " bytes, got " +
                                      std::to_string(after->second.size())));
  }
  const std::vector<WorkerStatus> workers = supervisor_.Workers();
  json body = wire::WorkerListToJson({workers.begin(), workers.end()});
  const std::string version = supervisor_.workers_version();
  body["resourceVersion"] = version;
  ApiResponse response = Json(200, body);
  if (after != request.query.end() && after->second == version) {
    response.hold_for = std::chrono::seconds(wait_seconds->value_or(kDefaultWaitSeconds));
  }
  return response;
}

ApiResponse AdminRoutes::Node() const {
  wire::NodeInventory inventory = ToWireInventory(
      supervisor_.inventory(), PartitionHolders(supervisor_.Workers()), /*live_readings=*/true);
  if (inventory.hostname.empty()) inventory.hostname = hostname_;
  inventory.labels = labels_;
  return Json(200, wire::NodeInventoryToJson(inventory));
}

ApiResponse AdminRoutes::ServiceDiscovery() const {
  json groups = json::array();
  for (const WorkerStatus& worker : supervisor_.Workers()) {
    if (worker.state != wire::WorkerState::kReady) continue;
    const std::string target = worker.url.substr(worker.url.find("://") + 3);
    groups.push_back({{"targets", {target}},
                      {"labels",
                       {{"worker", worker.id},
                        {"deployment", worker.spec.deployment},
                        {"namespace", worker.spec.namespace_name},
                        {"role", wire::WorkerRoleName(worker.spec.role)},
                        {"partition", Join(worker.spec.partitions, ",")},
                        {"hostname", hostname_}}}});
  }
  return Json(200, groups);
}

}  // namespace tessera::agent
