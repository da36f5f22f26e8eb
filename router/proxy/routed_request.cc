#include "router/proxy/routed_request.h"

#include <algorithm>

#include "base/json_fields.h"
#include "base/strings.h"

namespace tessera::router {
namespace {

std::string RoutingText(const openai::CompletionRequest& request) {
  if (request.endpoint == openai::Endpoint::kChatCompletions) {
    std::string text;
    for (const openai::ChatMessage& message : request.messages) {
      text += message.role;
      text += ": ";
      text += message.content;
      text += '\n';
    }
    return text;
  }
  if (request.prompt_token_ids) {
    std::string text;
    for (const int64_t id : *request.prompt_token_ids) {
      text += std::to_string(id);
      text += ' ';
    }
    return text;
  }
  return request.prompt;
}

}  // namespace

std::variant<RoutedRequest, ClientError> ReadRoutedRequest(
    std::string_view body, openai::Endpoint endpoint, std::span<const std::string> served_models) {
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return ClientError{
        .status = 400, .type = "BadRequestError", .message = "the request body is not valid JSON"};
  }
  if (!parsed.is_object()) {
    return ClientError{
        .status = 400,
        .type = "BadRequestError",
        .message = "the request body must be a JSON object, got " + DescribeJson(parsed)};
  }
  StatusOr<openai::CompletionRequest> request = openai::ParseCompletionRequest(parsed, endpoint);
  if (!request.ok()) {
    return ClientError{.status = 400,
                       .type = "BadRequestError",
                       .message = request.status().message(),
                       .param = openai::FieldOf(request.status())};
  }
  if (request->model.empty()) {
    return ClientError{.status = 400,
                       .type = "BadRequestError",
                       .message = "model: is required; this endpoint serves " +
                                  Quote(served_models.empty() ? "" : served_models.front()),
                       .param = "model"};
  }
  if (std::find(served_models.begin(), served_models.end(), request->model) ==
      served_models.end()) {
    return ClientError{.status = 404,
                       .type = "NotFoundError",
                       .message = "The model `" + request->model + "` does not exist.",
                       .param = "model"};
  }
  RoutedRequest routed;
  routed.endpoint = endpoint;
  routed.path =
      endpoint == openai::Endpoint::kChatCompletions ? "/v1/chat/completions" : "/v1/completions";
  routed.model = request->model;
  routed.stream = request->stream;
  routed.routing_text = RoutingText(*request);
  routed.body = std::move(parsed);
  return routed;
}

}  // namespace tessera::router
