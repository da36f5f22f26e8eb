// A client's request as the router reads it before any worker sees it: the
// body parsed and checked as the engines would check it (so a malformed
// request is answered 4xx by the router and never costs a worker anything),
// the model checked against the names the deployment serves, and the text
// the cache-aware policy routes by.

#ifndef TESSERA_ROUTER_PROXY_ROUTED_REQUEST_H_
#define TESSERA_ROUTER_PROXY_ROUTED_REQUEST_H_

#include <span>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "engine/openai/completion_request.h"

namespace tessera::router {

struct RoutedRequest {
  openai::Endpoint endpoint = openai::Endpoint::kCompletions;
  std::string path{};     // "/v1/completions" or "/v1/chat/completions"
  nlohmann::json body{};  // as received; legs that add fields copy it
  std::string model{};
  bool stream = false;
  // What the prompt's prefix is: the completion prompt (token ids as
  // decimal text), or each chat message's role and content in order.
  std::string routing_text{};
};

// An error the router answers itself, in OpenAI's shape.
struct ClientError {
  int status = 400;
  std::string type{};  // "BadRequestError", "NotFoundError"
  std::string message{};
  std::string param{};  // the field at fault, or empty
};

// Parses `body` for `endpoint`. `served_models` lists the model names the
// deployment answers to; a request must name one of them.
std::variant<RoutedRequest, ClientError> ReadRoutedRequest(
    std::string_view body, openai::Endpoint endpoint, std::span<const std::string> served_models);

}  // namespace tessera::router

#endif  // TESSERA_ROUTER_PROXY_ROUTED_REQUEST_H_
