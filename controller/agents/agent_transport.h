// How the controller's agent client reaches an agent: one HTTP request and
// its answer. The seam lets HttpAgentApi's paths, token handling and reading
// of answers be tested without sockets; CpprestAgentTransport is the real
// one.

#ifndef TESSERA_CONTROLLER_AGENTS_AGENT_TRANSPORT_H_
#define TESSERA_CONTROLLER_AGENTS_AGENT_TRANSPORT_H_

#include <chrono>
#include <functional>
#include <string>

#include "base/status.h"

namespace tessera::controller {

struct AgentRequest {
  std::string endpoint{};      // the agent's base URL, "https://10.0.0.5:8470"
  std::string method{};        // "GET", "PUT", "DELETE"
  std::string path{};          // "/v1/workers/w-0?graceSeconds=30"
  std::string body{};          // JSON; empty for none
  std::string bearer_token{};  // empty: no Authorization header
};

struct AgentReply {
  int status = 0;
  std::string body{};
};

class AgentTransport {
 public:
  virtual ~AgentTransport() = default;

  // Any HTTP answer is a reply, whatever its status; Unavailable, naming the
  // endpoint, when none arrives in time. Safe to call from several threads.
  virtual StatusOr<AgentReply> Send(const AgentRequest& request) = 0;

  using ReplyCallback = std::function<void(StatusOr<AgentReply>)>;
  // The same without blocking, for requests the agent may hold (a long
  // poll), with their own `timeout`: `done` runs exactly once, on a
  // transport thread, with the reply, Unavailable, or Cancelled after
  // CancelPending().
  virtual void SendAsync(const AgentRequest& request, std::chrono::milliseconds timeout,
                         ReplyCallback done) = 0;
  // Ends every SendAsync in flight; their callbacks run with Cancelled,
  // possibly after this returns. Later requests go out as usual.
  virtual void CancelPending() = 0;
};

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_AGENTS_AGENT_TRANSPORT_H_
