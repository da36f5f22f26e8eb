#include "cli/up/agent_request.h"

#include <utility>

namespace tessera::cli {

http::HttpClientRequest AgentRequest(std::string method, std::string url,
                                     const std::string& token) {
  http::HttpClientRequest request{.method = std::move(method), .url = std::move(url)};
  if (!token.empty()) request.headers.push_back({"Authorization", "Bearer " + token});
  return request;
}

}  // namespace tessera::cli
