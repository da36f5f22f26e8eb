#include "controller/agents/http_agent_api.h"

#include <vector>

#include <boost/asio/ssl.hpp>
#include <cpprest/http_client.h>

#include "base/file.h"
#include "base/http_status.h"
#include "base/strings.h"
#include "base/yaml_json.h"
#include "controller/agents/agent_json.h"
#include "wire/worker_status.h"

namespace tessera::controller {
namespace {

namespace http = web::http;

// The agent's JSON error body carries the message worth showing.
std::string ErrorMessage(const std::string& body) {
  StatusOr<nlohmann::json> json = ParseJson(body);
  if (json.ok() && json->is_object() && json->contains("error") && (*json)["error"].is_object() &&
      (*json)["error"].contains("message") && (*json)["error"]["message"].is_string()) {
    return (*json)["error"]["message"].get<std::string>();
  }
  return body.substr(0, 200);
}

// The agent answers with HttpStatusForStatusCode(); its 409 is read as
// AlreadyExists, what it answers a PUT with when a partition or port is held.
// What the controller cannot act on (403, 5xx) is Unavailable, with the HTTP
// status in the message: the next pass tries again.
Status StatusFromReply(int status, const std::string& body, const std::string& what) {
  const std::string message = what + ": " + ErrorMessage(body);
  if (status == 409) return AlreadyExistsError(message);
  const StatusCode code = StatusCodeForHttpStatus(status);
  switch (code) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kUnauthenticated:
    case StatusCode::kNotFound:
      return Status(code, message);
    default:
      return UnavailableError(message + " (HTTP " + std::to_string(status) + ")");
  }
}

}  // namespace

HttpAgentApi::HttpAgentApi(HttpAgentApiOptions options) : options_(std::move(options)) {}

HttpAgentApi::~HttpAgentApi() = default;

StatusOr<std::unique_ptr<HttpAgentApi>> HttpAgentApi::Create(HttpAgentApiOptions options) {
  std::unique_ptr<HttpAgentApi> api(new HttpAgentApi(std::move(options)));
  TESSERA_RETURN_IF_ERROR(api->ReadToken());
  return api;
}

Status HttpAgentApi::ReadToken() {
  if (options_.token_file.empty()) return OkStatus();
  StatusOr<std::string> text = ReadFile(options_.token_file, 64 << 10);
  if (!text.ok()) return text.status().WithContext("--agent-token-file");
  std::string token = *std::move(text);
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
    token.pop_back();
  }
  const std::scoped_lock lock(mutex_);
  token_ = std::move(token);
  return OkStatus();
}

std::string HttpAgentApi::Token() const {
  const std::scoped_lock lock(mutex_);
  return token_;
}

std::shared_ptr<http::client::http_client> HttpAgentApi::ClientFor(const std::string& endpoint) {
  const std::scoped_lock lock(mutex_);
  std::shared_ptr<http::client::http_client>& client = clients_[endpoint];
  if (!client) {
    http::client::http_client_config config;
    config.set_timeout(options_.timeout);
    if (!options_.ca_file.empty()) {
      config.set_ssl_context_callback(
          [ca = options_.ca_file.string()](boost::asio::ssl::context& context) {
            context.load_verify_file(ca);
          });
    }
    client = std::make_shared<http::client::http_client>(endpoint, config);
  }
  return client;
}

StatusOr<HttpAgentApi::Reply> HttpAgentApi::Send(const std::string& endpoint,
                                                 const std::string& method, const std::string& path,
                                                 const std::string& body) {
  for (int attempt = 0;; ++attempt) {
    try {
      http::http_request request(method);
      request.set_request_uri(path);
      if (const std::string token = Token(); !token.empty()) {
        request.headers().add("Authorization", "Bearer " + token);
      }
      if (!body.empty()) {
        // From bytes: cpprest's string overload reads its string buffer through
        // a byte stream buffer, a type pun UBSan's vptr check reports.
        request.set_body(std::vector<unsigned char>(body.begin(), body.end()));
        request.headers().set_content_type("application/json");
      }
      http::http_response response = ClientFor(endpoint)->request(request).get();
      Reply reply{.status = response.status_code(),
                  .body = response.extract_utf8string(true).get()};
      if (reply.status == 401 && attempt == 0 && !options_.token_file.empty()) {
        TESSERA_RETURN_IF_ERROR(ReadToken());
        continue;
      }
      return reply;
    } catch (const std::exception& error) {
      return UnavailableError("agent " + endpoint + ": " + error.what());
    }
  }
}

StatusOr<AgentObservation> HttpAgentApi::Observe(const std::string& endpoint) {
  TESSERA_ASSIGN_OR_RETURN(Reply node, Send(endpoint, "GET", "/v1/node", ""));
  if (node.status != 200) return StatusFromReply(node.status, node.body, endpoint + "/v1/node");
  TESSERA_ASSIGN_OR_RETURN(Reply workers, Send(endpoint, "GET", "/v1/workers", ""));
  if (workers.status != 200) {
    return StatusFromReply(workers.status, workers.body, endpoint + "/v1/workers");
  }
  StatusOr<nlohmann::json> node_json = ParseJson(node.body);
  if (!node_json.ok()) return node_json.status().WithContext(endpoint + "/v1/node");
  StatusOr<nlohmann::json> workers_json = ParseJson(workers.body);
  if (!workers_json.ok()) return workers_json.status().WithContext(endpoint + "/v1/workers");
  StatusOr<AgentObservation> observation = ReadObservation(*node_json, *workers_json);
  if (!observation.ok()) return observation.status().WithContext(endpoint);
  return observation;
}

StatusOr<ObservedWorker> HttpAgentApi::PutWorker(const std::string& endpoint, const std::string& id,
                                                 const wire::WorkerSpec& spec) {
  const std::string path = "/v1/workers/" + id;
  TESSERA_ASSIGN_OR_RETURN(Reply reply,
                           Send(endpoint, "PUT", path, wire::WorkerSpecToJson(spec).dump()));
  if (reply.status != 200 && reply.status != 201) {
    return StatusFromReply(reply.status, reply.body, "PUT " + endpoint + path);
  }
  StatusOr<nlohmann::json> json = ParseJson(reply.body);
  if (!json.ok()) return json.status().WithContext("PUT " + endpoint + path);
  return wire::WorkerStatusFromJson(*json);
}

Status HttpAgentApi::DeleteWorker(const std::string& endpoint, const std::string& id,
                                  int grace_seconds) {
  const std::string path = "/v1/workers/" + id + "?graceSeconds=" + std::to_string(grace_seconds);
  TESSERA_ASSIGN_OR_RETURN(Reply reply, Send(endpoint, "DELETE", path, ""));
  if (reply.status == 200 || reply.status == 202 || reply.status == 404) return OkStatus();
  return StatusFromReply(reply.status, reply.body, "DELETE " + endpoint + path);
}

}  // namespace tessera::controller
