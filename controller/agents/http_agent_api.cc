#include "controller/agents/http_agent_api.h"

#include <algorithm>

#include "base/file.h"
#include "base/http_status.h"
#include "base/strings.h"
#include "base/yaml_json.h"
#include "controller/agents/agent_json.h"
#include "controller/agents/cpprest_agent_transport.h"
#include "wire/worker_status.h"

namespace tessera::controller {
namespace {

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
// The other 4xx keep their meaning: the agent refused the request as made
// (the reconciler backs off from that node for that spec). 408, 429 and 5xx
// are Unavailable, with the HTTP status in the message: the next pass tries
// again.
Status StatusFromReply(int status, const std::string& body, const std::string& what) {
  const std::string message = what + ": " + ErrorMessage(body);
  if (status == 409) return AlreadyExistsError(message);
  const StatusCode code = StatusCodeForHttpStatus(status);
  switch (code) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kUnauthenticated:
    case StatusCode::kPermissionDenied:
    case StatusCode::kNotFound:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kUnimplemented:
      return Status(code, message);
    default:
      return UnavailableError(message + " (HTTP " + std::to_string(status) + ")");
  }
}

// What a long poll adds to the request's own time: the agent answers at
// its timeout, and the answer still has to arrive.
constexpr std::chrono::seconds kWaitMargin{10};

// A resourceVersion goes back into a query unescaped, so it may only hold
// characters a query takes as they are.
bool UsableVersion(const std::string& version) {
  return !version.empty() && version.size() <= 64 &&
         std::all_of(version.begin(), version.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  c == '-' || c == '.' || c == '_' || c == '~';
         });
}

StatusOr<std::string> VersionFromReply(const AgentReply& reply, const std::string& what) {
  if (reply.status != 200) return StatusFromReply(reply.status, reply.body, what);
  StatusOr<nlohmann::json> json = ParseJson(reply.body);
  if (!json.ok()) return json.status().WithContext(what);
  const auto version = json->is_object() ? json->find("resourceVersion") : json->end();
  if (version == json->end() || !version->is_string()) {
    return UnimplementedError(what +
                              ": the agent reports no resourceVersion, so it cannot tell the "
                              "controller of changes; it is polled only (upgrade the agent)");
  }
  if (!UsableVersion(version->get<std::string>())) {
    return InvalidArgumentError(what +
                                ": resourceVersion: must be 1-64 letters, digits, '-', "
                                "'.', '_' or '~', got " +
                                Quote(version->get<std::string>()));
  }
  return version->get<std::string>();
}

}  // namespace

HttpAgentApi::HttpAgentApi(HttpAgentApiOptions options, std::unique_ptr<AgentTransport> transport)
    : options_(std::move(options)), transport_(std::move(transport)) {}

HttpAgentApi::~HttpAgentApi() = default;

StatusOr<std::unique_ptr<HttpAgentApi>> HttpAgentApi::Create(HttpAgentApiOptions options) {
  auto transport = std::make_unique<CpprestAgentTransport>(options.ca_file, options.timeout);
  return Create(std::move(options), std::move(transport));
}

StatusOr<std::unique_ptr<HttpAgentApi>> HttpAgentApi::Create(
    HttpAgentApiOptions options, std::unique_ptr<AgentTransport> transport) {
  std::unique_ptr<HttpAgentApi> api(new HttpAgentApi(std::move(options), std::move(transport)));
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

StatusOr<AgentReply> HttpAgentApi::Send(const std::string& endpoint, const std::string& method,
                                        const std::string& path, const std::string& body) {
  for (int attempt = 0;; ++attempt) {
    TESSERA_ASSIGN_OR_RETURN(AgentReply reply, transport_->Send({.endpoint = endpoint,
                                                                 .method = method,
                                                                 .path = path,
                                                                 .body = body,
                                                                 .bearer_token = Token()}));
    if (reply.status == 401 && attempt == 0 && !options_.token_file.empty()) {
      TESSERA_RETURN_IF_ERROR(ReadToken());
      continue;
    }
    return reply;
  }
}

StatusOr<AgentObservation> HttpAgentApi::Observe(const std::string& endpoint) {
  TESSERA_ASSIGN_OR_RETURN(AgentReply node, Send(endpoint, "GET", "/v1/node", ""));
  if (node.status != 200) return StatusFromReply(node.status, node.body, endpoint + "/v1/node");
  TESSERA_ASSIGN_OR_RETURN(AgentReply workers, Send(endpoint, "GET", "/v1/workers", ""));
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
  TESSERA_ASSIGN_OR_RETURN(AgentReply reply,
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
  TESSERA_ASSIGN_OR_RETURN(AgentReply reply, Send(endpoint, "DELETE", path, ""));
  if (reply.status == 200 || reply.status == 202 || reply.status == 404) return OkStatus();
  return StatusFromReply(reply.status, reply.body, "DELETE " + endpoint + path);
}

void HttpAgentApi::WaitForWorkersChange(const std::string& endpoint, const std::string& after,
                                        std::chrono::seconds timeout, VersionCallback done) {
  std::string path = "/v1/workers";
  if (!after.empty()) {
    if (!UsableVersion(after)) {
      done(InvalidArgumentError("after: not a resourceVersion an agent gave: " + Quote(after)));
      return;
    }
    path += "?after=" + after + "&timeoutSeconds=" + std::to_string(timeout.count());
  }
  transport_->SendAsync(
      {.endpoint = endpoint, .method = "GET", .path = path, .bearer_token = Token()},
      timeout + kWaitMargin,
      [this, what = endpoint + path, done = std::move(done)](StatusOr<AgentReply> reply) {
        if (!reply.ok()) {
          done(reply.status());
          return;
        }
        // The next wait goes out with the token as it is now.
        if (reply->status == 401 && !options_.token_file.empty()) {
          if (Status reread = ReadToken(); !reread.ok()) {
            done(reread);
            return;
          }
        }
        done(VersionFromReply(*reply, what));
      });
}

void HttpAgentApi::CancelWaits() { transport_->CancelPending(); }

StatusOr<RouterMembership> HttpAgentApi::PutMembership(const std::string& router_url,
                                                       const RouterMembership& membership) {
  const std::string what = "PUT " + router_url + "/admin/workers";
  TESSERA_ASSIGN_OR_RETURN(AgentReply reply, Send(router_url, "PUT", "/admin/workers",
                                                  RouterMembershipToJson(membership).dump()));
  if (reply.status != 200) return StatusFromReply(reply.status, reply.body, what);
  StatusOr<nlohmann::json> json = ParseJson(reply.body);
  if (!json.ok()) return json.status().WithContext(what);
  StatusOr<RouterMembership> answer = RouterMembershipFromJson(*json);
  if (!answer.ok()) return answer.status().WithContext(what);
  return answer;
}

}  // namespace tessera::controller
