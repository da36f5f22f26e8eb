// A request and response of the agent's REST API, independent of the
// transport that carries them, so routing is tested directly. admin_http.h
// converts to and from the HTTP stack's messages.

#ifndef TESSERA_AGENT_API_API_TYPES_H_
#define TESSERA_AGENT_API_API_TYPES_H_

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tessera::agent {

struct ApiRequest {
  std::string method{};  // "GET", "PUT", "DELETE", ...
  std::string path{};    // "/v1/workers/llama-0", percent-decoded
  std::map<std::string, std::string> query{};
  std::string authorization{};    // the Authorization header, empty when absent
  std::string accept_encoding{};  // the Accept-Encoding header, empty when absent
  std::string body{};
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string content_encoding{};  // "gzip", or empty for none
  std::string body;
  // Further headers, e.g. WWW-Authenticate on a 401.
  std::vector<std::pair<std::string, std::string>> headers{};
  // Set when the answer says nothing the client has not seen (a wait for
  // the workers to change, and they have not): the server may hold the
  // request up to this long, ask again once the workers change, and send
  // whatever it gets then.
  std::optional<std::chrono::milliseconds> hold_for{};
};

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_API_API_TYPES_H_
