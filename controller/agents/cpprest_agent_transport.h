// AgentTransport over cpprestsdk: one client per agent endpoint (kept, so
// connections are reused), a timeout on every request, and an optional CA
// bundle for agents that serve TLS.

#ifndef TESSERA_CONTROLLER_AGENTS_CPPREST_AGENT_TRANSPORT_H_
#define TESSERA_CONTROLLER_AGENTS_CPPREST_AGENT_TRANSPORT_H_

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "controller/agents/agent_transport.h"

namespace web::http::client {
class http_client;  // NOLINT(readability-identifier-naming): cpprestsdk's name.
}
namespace pplx {
class cancellation_token_source;  // NOLINT(readability-identifier-naming): cpprestsdk's name.
}

namespace tessera::controller {

class CpprestAgentTransport final : public AgentTransport {
 public:
  // `ca_file` empty: the system's roots.
  CpprestAgentTransport(std::filesystem::path ca_file, std::chrono::milliseconds timeout);
  ~CpprestAgentTransport() override;

  StatusOr<AgentReply> Send(const AgentRequest& request) override;
  void SendAsync(const AgentRequest& request, std::chrono::milliseconds timeout,
                 ReplyCallback done) override;
  void CancelPending() override;

 private:
  // One client per endpoint and timeout, kept so connections are reused.
  std::shared_ptr<web::http::client::http_client> ClientFor(const std::string& endpoint,
                                                            std::chrono::milliseconds timeout);

  std::filesystem::path ca_file_;
  std::chrono::milliseconds timeout_;
  std::mutex mutex_;
  std::map<std::pair<std::string, int64_t>, std::shared_ptr<web::http::client::http_client>>
      clients_;
  // Cancels what SendAsync started; replaced by CancelPending().
  std::unique_ptr<pplx::cancellation_token_source> pending_;
};

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_AGENTS_CPPREST_AGENT_TRANSPORT_H_
