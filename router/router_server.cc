#include "router/router_server.h"

#include <nlohmann/json.hpp>

#include "base/bearer_token.h"
#include "base/strings.h"
#include "engine/openai/response_writer.h"

namespace tessera::router {
namespace {

using http::HttpResponse;

HttpResponse OpenAiError(int status, std::string_view type, std::string_view message,
                         std::string_view param = "") {
  return HttpResponse::Json(status, openai::ErrorBody(status, type, message, param));
}

bool IsAdminPath(std::string_view path) { return path.starts_with("/admin/"); }
bool IsApiPath(std::string_view path) { return path.starts_with("/v1/"); }

}  // namespace

StatusOr<std::unique_ptr<RouterServer>> RouterServer::Start(boost::asio::io_context& io_context,
                                                            RouterOptions options, Logger logger,
                                                            const Clock& clock) {
  std::optional<TokenFile> admin_tokens;
  if (!options.admin_token_file.empty()) {
    StatusOr<TokenFile> tokens = TokenFile::Open(options.admin_token_file, clock);
    if (!tokens.ok()) return tokens.status().WithContext("--admin-token-file");
    admin_tokens = *std::move(tokens);
  }
  std::optional<TokenFile> api_keys;
  if (!options.api_key_file.empty()) {
    StatusOr<TokenFile> keys = TokenFile::Open(options.api_key_file, clock);
    if (!keys.ok()) return keys.status().WithContext("--api-key-file");
    api_keys = *std::move(keys);
  }
  std::unique_ptr<RouterServer> server(
      new RouterServer(io_context, std::move(options), std::move(logger), clock,
                       std::move(admin_tokens), std::move(api_keys)));
  RouterServer* raw = server.get();
  StatusOr<std::unique_ptr<http::HttpServer>> http = http::HttpServer::Start(
      io_context,
      {.host = raw->options_.host,
       .port = static_cast<uint16_t>(raw->options_.port),
       .max_body_bytes = raw->options_.max_body_bytes,
       // A client connection, and a prefill and a decode connection for it.
       .descriptors_per_connection = 3,
       .screen = [raw](const http::HttpRequest& head) { return raw->Screen(head); },
       .clock = &clock,
       .logger = raw->logger_},
      [raw](const std::shared_ptr<http::HttpExchange>& exchange) { raw->Handle(exchange); });
  if (!http.ok()) return http.status().WithContext("--host/--port");
  server->http_ = *std::move(http);
  server->health_checker_->Start();
  server->logger_.Info("serving", {{"port", server->port()},
                                   {"model", server->options_.served_model_names.front()},
                                   {"workers", server->pool_.workers().size()}});
  return server;
}

RouterServer::RouterServer(boost::asio::io_context& io_context, RouterOptions options,
                           Logger logger, const Clock& clock, std::optional<TokenFile> admin_tokens,
                           std::optional<TokenFile> api_keys)
    : options_(std::move(options)),
      logger_(std::move(logger)),
      clock_(clock),
      admin_tokens_(std::move(admin_tokens)),
      api_keys_(std::move(api_keys)),
      created_(std::chrono::duration_cast<std::chrono::seconds>(clock.WallNow().time_since_epoch())
                   .count()),
      random_(options_.seed.value_or(std::random_device()())),
      pool_(clock, options_.breaker),
      client_(io_context, {.connect_timeout = std::chrono::seconds(3),
                           .read_timeout = options_.upstream_idle_timeout,
                           .max_idle_connections_per_host = 256,
                           .timer_resolution = std::chrono::milliseconds(100),
                           .clock = &clock}),
      proxy_context_{.io_context = io_context,
                     .client = client_,
                     .pool = pool_,
                     .policies = policies_,
                     .metrics = metrics_,
                     .settings = options_.proxy,
                     .clock = clock,
                     .random = random_,
                     .logger = logger_} {
  using RolePolicy = std::pair<wire::WorkerRole, PolicyKind>;
  for (const auto& [role, kind] :
       {RolePolicy{wire::WorkerRole::kAggregated, options_.aggregated_policy},
        RolePolicy{wire::WorkerRole::kPrefill, options_.prefill_policy},
        RolePolicy{wire::WorkerRole::kDecode, options_.decode_policy}}) {
    policies_[role] = MakeRoutingPolicy(kind, options_.cache_aware, random_());
  }
  pool_.OnForgotten([this](const std::string& url) {
    for (auto& [role, policy] : policies_) policy->Forget(url);
    logger_.Info("worker left", {{"worker", url}});
  });
  pool_.SetMembership(options_.workers);
  health_checker_ = std::make_unique<HealthChecker>(io_context, pool_, options_.health, logger_);
}

RouterServer::~RouterServer() {
  if (health_checker_) health_checker_->Stop();
}

void RouterServer::Shutdown(std::function<void()> on_drained) {
  health_checker_->Stop();
  http_->Shutdown(std::move(on_drained));
}

std::optional<HttpResponse> RouterServer::Screen(const http::HttpRequest& head) {
  TokenFile* tokens = nullptr;
  std::string_view what;
  if (IsAdminPath(head.path) && admin_tokens_) {
    tokens = &*admin_tokens_;
    what = "the router's admin token";
  } else if (IsApiPath(head.path) && api_keys_) {
    tokens = &*api_keys_;
    what = "an API key";
  }
  if (tokens == nullptr) return std::nullopt;
  const std::string_view authorization = head.Header("Authorization").value_or("");
  if (tokens->Accepts(authorization)) return std::nullopt;
  HttpResponse refused = OpenAiError(
      401, "AuthenticationError",
      authorization.empty()
          ? "missing bearer token: send 'Authorization: Bearer <" + std::string(what) + ">'"
          : "invalid bearer token");
  refused.headers.push_back({"WWW-Authenticate", "Bearer"});
  return refused;
}

void RouterServer::Handle(const std::shared_ptr<http::HttpExchange>& exchange) {
  const http::HttpRequest& request = exchange->request();
  const std::string& path = request.path;
  const bool get = request.method == "GET" || request.method == "HEAD";
  const bool post = request.method == "POST";
  if (post && path == "/v1/chat/completions") {
    HandleCompletion(exchange, openai::Endpoint::kChatCompletions);
  } else if (post && path == "/v1/completions") {
    HandleCompletion(exchange, openai::Endpoint::kCompletions);
  } else if (get && path == "/health") {
    (void)exchange->Respond(HttpResponse::Text(200, "ok\n"));
  } else if (get && path == "/readiness") {
    (void)exchange->Respond(Readiness());
  } else if (get && path == "/metrics") {
    (void)exchange->Respond({.status = 200,
                             .headers = {{"Content-Type", "text/plain; version=0.0.4"}},
                             .body = metrics_.Serialize(pool_, clock_)});
  } else if (get && path == "/v1/models") {
    (void)exchange->Respond(HttpResponse::Json(200, ModelsBody()));
  } else if (path == "/admin/workers" && (get || request.method == "PUT")) {
    HandleMembership(exchange);
  } else if (path == "/v1/chat/completions" || path == "/v1/completions" || path == "/health" ||
             path == "/readiness" || path == "/metrics" || path == "/v1/models" ||
             path == "/admin/workers") {
    (void)exchange->Respond(
        OpenAiError(405, "MethodNotAllowed", request.method + " is not allowed on " + path));
  } else {
    (void)exchange->Respond(OpenAiError(404, "NotFoundError", "no route " + Quote(path)));
  }
}

void RouterServer::HandleCompletion(const std::shared_ptr<http::HttpExchange>& exchange,
                                    openai::Endpoint endpoint) {
  const auto arrival = clock_.Now();
  std::variant<RoutedRequest, ClientError> read =
      ReadRoutedRequest(exchange->request().body, endpoint, options_.served_model_names);
  if (auto* error = std::get_if<ClientError>(&read)) {
    (void)exchange->Respond(OpenAiError(error->status, error->type, error->message, error->param));
    metrics_.RecordClientRequest(exchange->request().path, error->status);
    return;
  }
  ForwardedRequest::Start(proxy_context_, exchange, std::get<RoutedRequest>(std::move(read)),
                          arrival);
}

void RouterServer::HandleMembership(const std::shared_ptr<http::HttpExchange>& exchange) {
  if (exchange->request().method == "PUT") {
    StatusOr<std::vector<WorkerEndpoint>> members = ParseMembership(exchange->request().body);
    if (!members.ok()) {
      (void)exchange->Respond(
          OpenAiError(400, "BadRequestError", members.status().message(), "workers"));
      return;
    }
    pool_.SetMembership(*members);
    logger_.Info("membership set", {{"workers", members->size()}});
  }
  (void)exchange->Respond(HttpResponse::Json(200, MembershipBody()));
}

HttpResponse RouterServer::Readiness() const {
  const bool disaggregated = pool_.Disaggregated();
  std::vector<std::string> missing;
  const auto need = [&](wire::WorkerRole role) {
    if (pool_.Routable(role).empty()) missing.emplace_back(wire::WorkerRoleName(role));
  };
  if (disaggregated) {
    need(wire::WorkerRole::kPrefill);
    need(wire::WorkerRole::kDecode);
  } else {
    need(wire::WorkerRole::kAggregated);
  }
  if (missing.empty()) return HttpResponse::Text(200, "ready\n");
  return OpenAiError(503, "ServiceUnavailableError",
                     "no " + Join(missing, " or ") + " worker is available");
}

std::string RouterServer::MembershipBody() const {
  nlohmann::json workers = nlohmann::json::array();
  const auto now = clock_.Now();
  for (const auto& [url, worker] : pool_.workers()) {
    nlohmann::json entry = {{"url", url},
                            {"role", wire::WorkerRoleName(worker.endpoint.role)},
                            {"healthy", worker.healthy},
                            {"inFlight", worker.in_flight},
                            {"draining", worker.draining},
                            {"circuit", CircuitBreaker::StateName(worker.breaker.state(now))}};
    if (worker.endpoint.bootstrap_port) entry["bootstrapPort"] = *worker.endpoint.bootstrap_port;
    if (!worker.health_error.empty()) entry["healthError"] = worker.health_error;
    workers.push_back(std::move(entry));
  }
  return nlohmann::json{{"workers", std::move(workers)}}.dump();
}

std::string RouterServer::ModelsBody() const {
  nlohmann::json data = nlohmann::json::array();
  for (const std::string& name : options_.served_model_names) {
    data.push_back(
        {{"id", name}, {"object", "model"}, {"created", created_}, {"owned_by", "tessera"}});
  }
  return nlohmann::json{{"object", "list"}, {"data", std::move(data)}}.dump();
}

}  // namespace tessera::router
