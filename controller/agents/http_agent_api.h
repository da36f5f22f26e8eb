// AgentApi over HTTP(S): the agent API's paths, a bearer token from a file
// (re-read when an agent answers 401, so a rotated token is picked up), and
// the agents' answers read into observations and errors. The requests go
// through an AgentTransport: cpprestsdk's, with an optional CA bundle for
// agents that serve TLS and a timeout on every call so one hung agent costs
// the reconciler at most that long.
//
// It is also the controller's RouterApi: the routers an agent runs take the
// agent's token (docs/agent.md, "Routers"), so the same token, its re-read
// on 401 and the same transport serve their admin API.

#ifndef TESSERA_CONTROLLER_AGENTS_HTTP_AGENT_API_H_
#define TESSERA_CONTROLLER_AGENTS_HTTP_AGENT_API_H_

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "controller/agents/agent_transport.h"
#include "controller/fleet/agent_api.h"
#include "controller/routers/router_api.h"

namespace tessera::controller {

struct HttpAgentApiOptions {
  std::filesystem::path token_file{};  // empty: no Authorization header
  std::filesystem::path ca_file{};     // empty: the system's roots
  std::chrono::milliseconds timeout{5000};
};

class HttpAgentApi final : public AgentApi, public RouterApi {
 public:
  // Reads the token file; an error names it.
  static StatusOr<std::unique_ptr<HttpAgentApi>> Create(HttpAgentApiOptions options);
  // The same over `transport` (tests pass a fake); `options.ca_file` and
  // `options.timeout` are the transport's business then.
  static StatusOr<std::unique_ptr<HttpAgentApi>> Create(HttpAgentApiOptions options,
                                                        std::unique_ptr<AgentTransport> transport);
  ~HttpAgentApi() override;

  StatusOr<AgentObservation> Observe(const std::string& endpoint) override;
  StatusOr<ObservedWorker> PutWorker(const std::string& endpoint, const std::string& id,
                                     const wire::WorkerSpec& spec) override;
  Status DeleteWorker(const std::string& endpoint, const std::string& id,
                      int grace_seconds) override;
  void WaitForWorkersChange(const std::string& endpoint, const std::string& after,
                            std::chrono::seconds timeout, VersionCallback done) override;
  void CancelWaits() override;

  StatusOr<RouterMembership> PutMembership(const std::string& router_url,
                                           const RouterMembership& membership) override;

 private:
  HttpAgentApi(HttpAgentApiOptions options, std::unique_ptr<AgentTransport> transport);
  Status ReadToken();
  std::string Token() const;
  // One request; retried once after re-reading the token on 401.
  StatusOr<AgentReply> Send(const std::string& endpoint, const std::string& method,
                            const std::string& path, const std::string& body);

  HttpAgentApiOptions options_;
  std::unique_ptr<AgentTransport> transport_;
  mutable std::mutex mutex_;
  std::string token_{};
};

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_AGENTS_HTTP_AGENT_API_H_
