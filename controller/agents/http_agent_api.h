// AgentApi over HTTP(S) with cpprestsdk: bearer token from a file (re-read
// when an agent answers 401, so a rotated token is picked up), an optional
// CA bundle for agents that serve TLS, and a timeout on every call so one
// hung agent costs the reconciler at most that long.

#ifndef TESSERA_CONTROLLER_AGENTS_HTTP_AGENT_API_H_
#define TESSERA_CONTROLLER_AGENTS_HTTP_AGENT_API_H_

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "controller/agents/agent_api.h"

namespace web::http::client {
class http_client;  // NOLINT(readability-identifier-naming): cpprestsdk's name.
}

namespace tessera::controller {

struct HttpAgentApiOptions {
  std::filesystem::path token_file;  // empty: no Authorization header
  std::filesystem::path ca_file;     // empty: the system's roots
  std::chrono::milliseconds timeout{5000};
};

class HttpAgentApi final : public AgentApi {
 public:
  // Reads the token file; an error names it.
  static StatusOr<std::unique_ptr<HttpAgentApi>> Create(HttpAgentApiOptions options);
  ~HttpAgentApi() override;

  StatusOr<AgentObservation> Observe(const std::string& endpoint) override;
  StatusOr<ObservedWorker> PutWorker(const std::string& endpoint, const std::string& id,
                                     const wire::WorkerSpec& spec) override;
  Status DeleteWorker(const std::string& endpoint, const std::string& id,
                      int grace_seconds) override;

 private:
  struct Reply {
    int status = 0;
    std::string body{};
  };

  explicit HttpAgentApi(HttpAgentApiOptions options);
  Status ReadToken();
  std::string Token() const;
  std::shared_ptr<web::http::client::http_client> ClientFor(const std::string& endpoint);
  // One request; retried once after re-reading the token on 401.
  StatusOr<Reply> Send(const std::string& endpoint, const std::string& method,
                       const std::string& path, const std::string& body);

  HttpAgentApiOptions options_;
  mutable std::mutex mutex_;
  std::string token_{};
  std::map<std::string, std::shared_ptr<web::http::client::http_client>> clients_;
};

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_AGENTS_HTTP_AGENT_API_H_
