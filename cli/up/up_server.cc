#include "cli/up/up_server.h"

#include <algorithm>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/file.h"
#include "base/numbers.h"
#include "base/strings.h"
#include "base/yaml_json.h"
#include "cli/up/agent_request.h"
#include "cli/up/dashboard_assets.h"
#include "cli/up/manifest_directory.h"
#include "cli/up/metrics_history.h"
#include "controller/store/directory_store.h"
#include "controller/store/events/directory_events.h"
#include "http/http_client.h"
#include "http/http_server.h"
#include "http/http_url.h"
#include "resources/model_deployment.h"

namespace tessera::cli {
namespace {

using http::HttpExchange;
using http::HttpResponse;
using nlohmann::json;

constexpr std::string_view kApiPrefix = "/api/v1/";

void Answer(const std::shared_ptr<HttpExchange>& exchange, int status, const json& body) {
  (void)exchange->Respond(HttpResponse::Json(status, body.dump()));
}

void AnswerError(const std::shared_ptr<HttpExchange>& exchange, int status,
                 std::string_view message) {
  Answer(exchange, status, json{{"error", message}});
}

// "a/b%2Fc" -> {"a", "b/c"}: the path's segments, each decoded.
StatusOr<std::vector<std::string>> PathSegments(std::string_view path) {
  std::vector<std::string> segments;
  while (!path.empty()) {
    const size_t slash = path.find('/');
    const std::string_view segment = path.substr(0, slash);
    if (!segment.empty()) {
      TESSERA_ASSIGN_OR_RETURN(std::string decoded, http::PercentDecode(segment));
      segments.push_back(std::move(decoded));
    }
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

}  // namespace

class UpServer::Impl : public std::enable_shared_from_this<UpServer::Impl> {
 public:
  Impl(boost::asio::io_context& io_context, UpServerOptions options, Logger logger)
      : io_context_(io_context),
        options_(std::move(options)),
        logger_(std::move(logger)),
        agent_client_(io_context, {.connect_timeout = std::chrono::seconds(2),
                                   .read_timeout = std::chrono::seconds(10)}),
        poll_timer_(io_context),
        metrics_timer_(io_context),
        store_({.directory = options_.paths.manifests()}, logger_.WithComponent("manifests")) {}

  Status Start() {
    std::weak_ptr<Impl> weak = weak_from_this();
    StatusOr<std::unique_ptr<http::HttpServer>> server =
        http::HttpServer::Start(io_context_,
                                {.host = options_.host,
                                 .port = static_cast<uint16_t>(options_.port),
                                 .idle_timeout = std::chrono::seconds(30),
                                 .logger = logger_.WithComponent("http")},
                                [weak](const std::shared_ptr<HttpExchange>& exchange) {
                                  if (std::shared_ptr<Impl> self = weak.lock())
                                    self->Handle(exchange);
                                });
    if (!server.ok()) {
      return server.status().WithContext("--listen " + options_.host + ":" +
                                         std::to_string(options_.port));
    }
    server_ = std::move(*server);
    Poll();
    PollMetrics();
    return OkStatus();
  }

  std::string url() const {
    return "http://" + options_.host + ":" + std::to_string(server_->port());
  }

  void Stop() {
    stopped_ = true;
    poll_timer_.cancel();
    metrics_timer_.cancel();
    if (server_) server_->Close();
  }

 private:
  http::HttpClientRequest AgentGet(const std::string& path) const {
    return AgentRequest("GET", options_.agent_url + path, options_.agent_token);
  }

  // The agent's node and workers, every poll period.
  void Poll() {
    if (stopped_) return;
    std::weak_ptr<Impl> weak = weak_from_this();
    agent_client_.Fetch(AgentGet("/v1/node"),
                        [weak](const StatusOr<http::HttpClientResponse>& response) {
                          std::shared_ptr<Impl> self = weak.lock();
                          if (!self) return;
                          std::optional<json> body = self->AgentJson(response, "/v1/node");
                          if (body) self->node_ = std::move(*body);
                        });
    agent_client_.Fetch(AgentGet("/v1/workers"),
                        [weak](const StatusOr<http::HttpClientResponse>& response) {
                          std::shared_ptr<Impl> self = weak.lock();
                          if (!self) return;
                          std::optional<json> body = self->AgentJson(response, "/v1/workers");
                          if (body && body->contains("workers")) {
                            self->workers_ = std::move((*body)["workers"]);
                            // The node a worker runs on, as the controller names it.
                            for (json& worker : self->workers_) {
                              worker["node"] = self->options_.node_name;
                            }
                          }
                        });
    poll_timer_.expires_after(options_.poll_period);
    poll_timer_.async_wait([weak](const boost::system::error_code& error) {
      if (std::shared_ptr<Impl> self = weak.lock(); self && !error) self->Poll();
    });
  }

  // The agent's merged metrics, every metrics period, into the history the
  // charts draw.
  void PollMetrics() {
    if (stopped_) return;
    std::weak_ptr<Impl> weak = weak_from_this();
    agent_client_.Fetch(AgentGet("/metrics"),
                        [weak](const StatusOr<http::HttpClientResponse>& response) {
                          std::shared_ptr<Impl> self = weak.lock();
                          if (!self || !response.ok()) return;
                          self->RecordMetrics(response->body);
                        });
    metrics_timer_.expires_after(options_.metrics_period);
    metrics_timer_.async_wait([weak](const boost::system::error_code& error) {
      if (std::shared_ptr<Impl> self = weak.lock(); self && !error) self->PollMetrics();
    });
  }

  void RecordMetrics(std::string_view exposition) {
    std::map<std::string, std::string> deployment_of_worker;
    for (const json& worker : workers_) {
      const json spec = worker.value("spec", json::object());
      deployment_of_worker[worker.value("id", "")] =
          spec.value("namespace", "default") + "/" + spec.value("deployment", "");
    }
    std::map<std::string, std::map<std::string, int>> ready_replicas;
    for (const json& deployment : Deployments()) {
      std::map<std::string, int>& roles =
          ready_replicas[deployment["namespace"].get<std::string>() + "/" +
                         deployment["name"].get<std::string>()];
      const json& status = deployment["status"];
      if (!status.is_object()) continue;
      for (const char* role : {"worker", "prefill", "decode", "router"}) {
        if (status.contains(role)) roles[role] = status[role].value("ready", 0);
      }
    }
    history_.Record(std::chrono::system_clock::now(), exposition, deployment_of_worker,
                    ready_replicas);
  }

  std::optional<json> AgentJson(const StatusOr<http::HttpClientResponse>& response,
                                std::string_view path) {
    if (!response.ok()) {
      agent_error_ = "agent " + std::string(path) + ": " + response.status().ToString();
      return std::nullopt;
    }
    StatusOr<json> body = ParseJson(response->body);
    if (!body.ok()) {
      agent_error_ = "agent " + std::string(path) + ": " + body.status().ToString();
      return std::nullopt;
    }
    agent_error_.clear();
    return std::move(*body);
  }

  json Nodes() const {
    if (node_.is_null()) return json::array();
    json node = node_;
    node["name"] = options_.node_name;
    return json::array({node});
  }

  json Deployment(const resources::ObjectKey& key,
                  const controller::DeploymentRecord& record) const {
    json deployment = {
        {"namespace", key.namespace_name},
        {"name", key.name},
        {"generation", record.metadata.generation},
        {"spec", record.spec ? resources::ModelDeploymentSpecToJson(*record.spec) : json(nullptr)},
        {"status", nullptr}};
    if (!record.error.ok()) deployment["error"] = record.error.message();
    // Where `tessera apply` keeps it; a file dropped into the directory by
    // hand under another name is not named.
    const std::filesystem::path manifest =
        ManifestDirectory(options_.paths.manifests()).PathOf(key);
    if (std::error_code error; std::filesystem::exists(manifest, error)) {
      deployment["manifest"] = manifest.string();
    }
    StatusOr<std::string> text = ReadFile(store_.StatusPath(key));
    if (text.ok()) {
      StatusOr<json> object = YamlToJson(*text);
      if (object.ok() && object->is_object() && object->contains("status")) {
        deployment["status"] = (*object)["status"];
      }
    }
    return deployment;
  }

  json Deployments() {
    if (Status scanned = store_.Rescan(); !scanned.ok()) {
      logger_.Warning("manifests not read", {{"error", scanned}});
    }
    json items = json::array();
    for (const resources::ObjectKey& key : store_.Keys()) {
      if (std::optional<controller::DeploymentRecord> record = store_.Get(key)) {
        items.push_back(Deployment(key, *record));
      }
    }
    return items;
  }

  // Newest last, at most `limit`.
  json Events(const std::optional<resources::ObjectKey>& key, size_t limit) const {
    StatusOr<std::vector<json>> events =
        key ? controller::ReadDeploymentEvents(options_.paths.manifests(), *key)
            : controller::ReadAllDeploymentEvents(options_.paths.manifests());
    if (!events.ok()) {
      logger_.Warning("events not read", {{"error", events.status()}});
      return json::array();
    }
    const size_t skip = events->size() > limit ? events->size() - limit : 0;
    return json(
        std::vector<json>(events->begin() + static_cast<std::ptrdiff_t>(skip), events->end()));
  }

  void Handle(const std::shared_ptr<HttpExchange>& exchange) {
    const http::HttpRequest& request = exchange->request();
    if (request.method != "GET") {
      AnswerError(exchange, 405, "the API is read-only: change deployments with tessera apply");
      return;
    }
    if (request.path == "/healthz") {
      (void)exchange->Respond(HttpResponse::Text(200, "ok"));
      return;
    }
    if (!request.path.starts_with(kApiPrefix)) {
      for (const DashboardAsset& asset : DashboardAssets()) {
        if (asset.path == request.path) {
          (void)exchange->Respond({.status = 200,
                                   .headers = {{"Content-Type", std::string(asset.content_type)},
                                               {"Cache-Control", "no-cache"}},
                                   .body = std::string(asset.body)});
          return;
        }
      }
      AnswerError(exchange, 404, "no such page: " + request.path);
      return;
    }
    StatusOr<std::map<std::string, std::string>> query = http::ParseQuery(request.query);
    if (!query.ok()) {
      AnswerError(exchange, 400, query.status().message());
      return;
    }
    StatusOr<std::vector<std::string>> parts =
        PathSegments(std::string_view(request.path).substr(kApiPrefix.size()));
    if (!parts.ok()) {
      AnswerError(exchange, 400, parts.status().message());
      return;
    }
    HandleApi(exchange, *parts, *query);
  }

  void HandleApi(const std::shared_ptr<HttpExchange>& exchange,
                 const std::vector<std::string>& parts,
                 const std::map<std::string, std::string>& query) {
    const std::string resource = parts.empty() ? std::string() : parts[0];
    if (resource == "overview" && parts.size() == 1) {
      json overview = {{"stateDir", options_.paths.root.string()},
                       {"startedAt", options_.started_at},
                       {"apiUrl", url()},
                       {"nodes", Nodes()},
                       {"deployments", Deployments()},
                       {"workers", workers_},
                       {"events", Events(std::nullopt, 50)}};
      if (!agent_error_.empty()) overview["agentError"] = agent_error_;
      Answer(exchange, 200, overview);
    } else if (resource == "deployments" && parts.size() == 1) {
      Answer(exchange, 200, json{{"items", Deployments()}});
    } else if (resource == "deployments" && parts.size() == 3) {
      const resources::ObjectKey key{.namespace_name = parts[1], .name = parts[2]};
      for (json& deployment : Deployments()) {
        if (deployment["namespace"] == key.namespace_name && deployment["name"] == key.name) {
          deployment["events"] = Events(key, 100);
          Answer(exchange, 200, deployment);
          return;
        }
      }
      AnswerError(exchange, 404, "no deployment " + key.ToString());
    } else if (resource == "nodes" && parts.size() == 1) {
      Answer(exchange, 200, json{{"items", Nodes()}});
    } else if (resource == "workers" && parts.size() == 1) {
      Answer(exchange, 200, json{{"items", workers_}});
    } else if (resource == "workers" && parts.size() == 3 && parts[2] == "logs") {
      ProxyLogs(exchange, parts[1], query);
    } else if (resource == "events" && parts.size() == 1) {
      std::optional<resources::ObjectKey> key;
      if (const auto it = query.find("deployment"); it != query.end()) {
        const size_t slash = it->second.find('/');
        key = slash == std::string::npos
                  ? resources::ObjectKey{.namespace_name = "default", .name = it->second}
                  : resources::ObjectKey{.namespace_name = it->second.substr(0, slash),
                                         .name = it->second.substr(slash + 1)};
      }
      size_t limit = 100;
      if (const auto it = query.find("limit"); it != query.end()) {
        std::optional<size_t> parsed = ParseInteger<size_t>(it->second);
        if (!parsed || *parsed == 0) {
          AnswerError(exchange, 400, "limit: a positive integer, got " + Quote(it->second));
          return;
        }
        limit = *parsed;
      }
      Answer(exchange, 200, json{{"items", Events(key, limit)}});
    } else if (resource == "metrics" && parts.size() == 1) {
      int seconds = 900;
      if (const auto it = query.find("seconds"); it != query.end()) {
        std::optional<int> parsed = ParseInteger<int>(it->second);
        if (!parsed || *parsed <= 0) {
          AnswerError(exchange, 400, "seconds: a positive integer, got " + Quote(it->second));
          return;
        }
        seconds = *parsed;
      }
      Answer(exchange, 200,
             history_.SeriesJson(std::chrono::system_clock::now(), std::chrono::seconds(seconds)));
    } else {
      AnswerError(exchange, 404, "no such resource: " + exchange->request().path);
    }
  }

  void ProxyLogs(const std::shared_ptr<HttpExchange>& exchange, const std::string& worker,
                 const std::map<std::string, std::string>& query) {
    std::string path = "/v1/workers/" + http::PercentEncode(worker) + "/logs";
    if (const auto tail = query.find("tail"); tail != query.end()) {
      path += "?tail=" + http::PercentEncode(tail->second);
    }
    agent_client_.Fetch(AgentGet(path), [exchange](StatusOr<http::HttpClientResponse> response) {
      if (!response.ok()) {
        // The agent's own answer (404 for an unknown worker) passes through.
        const int status = response.status().code() == StatusCode::kNotFound ? 404 : 502;
        AnswerError(exchange, status, response.status().message());
        return;
      }
      (void)exchange->Respond(HttpResponse::Text(200, std::move(response->body)));
    });
  }

  boost::asio::io_context& io_context_;
  UpServerOptions options_;
  Logger logger_;
  http::HttpClient agent_client_;
  boost::asio::steady_timer poll_timer_;
  boost::asio::steady_timer metrics_timer_;
  controller::DirectoryDeploymentStore store_;
  up::MetricsHistory history_;
  std::unique_ptr<http::HttpServer> server_;
  json node_ = nullptr;
  json workers_ = json::array();
  std::string agent_error_;
  bool stopped_ = false;
};

StatusOr<std::unique_ptr<UpServer>> UpServer::Start(boost::asio::io_context& io_context,
                                                    UpServerOptions options, Logger logger) {
  auto impl = std::make_shared<Impl>(io_context, std::move(options), std::move(logger));
  TESSERA_RETURN_IF_ERROR(impl->Start());
  return std::unique_ptr<UpServer>(new UpServer(std::move(impl)));
}

UpServer::UpServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
UpServer::~UpServer() = default;
std::string UpServer::url() const { return impl_->url(); }
void UpServer::Stop() { impl_->Stop(); }

}  // namespace tessera::cli
