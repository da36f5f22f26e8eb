// A request to the agent `tessera up` runs, carrying its bearer token:
// the API server's polls and the stop's drain both speak to it.

#ifndef TESSERA_CLI_UP_AGENT_REQUEST_H_
#define TESSERA_CLI_UP_AGENT_REQUEST_H_

#include <string>

#include "http/http_call.h"

namespace tessera::cli {

// `token` empty: no Authorization header (an agent run with --no-auth).
http::HttpClientRequest AgentRequest(std::string method, std::string url, const std::string& token);

}  // namespace tessera::cli

#endif  // TESSERA_CLI_UP_AGENT_REQUEST_H_
