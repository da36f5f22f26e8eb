// How the controller's agent client reaches an agent: one HTTP request and
// its answer. The seam lets HttpAgentApi's paths, token handling and reading
// of answers be tested without sockets; CpprestAgentTransport is the real
// one.

#ifndef TESSERA_CONTROLLER_AGENTS_AGENT_TRANSPORT_H_
#define TESSERA_CONTROLLER_AGENTS_AGENT_TRANSPORT_H_

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
};

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_AGENTS_AGENT_TRANSPORT_H_
