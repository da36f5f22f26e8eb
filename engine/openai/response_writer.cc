#include "engine/openai/response_writer.h"

#include "base/strings.h"

namespace tessera::openai {
namespace {

std::string Prefix(const ResponseContext& context) {
  const bool chat = context.endpoint == Endpoint::kChatCompletions;
  std::string out = R"({"id":)";
  out += JsonString(context.id);
  out += chat ? R"(,"object":"chat.completion.chunk","created":)"
              : R"(,"object":"text_completion","created":)";
  out += std::to_string(context.created);
  out += R"(,"model":)";
  out += JsonString(context.model);
  return out;
}

std::string FinishReason(std::string_view reason) {
  return reason.empty() ? "null" : JsonString(reason);
}

std::string UsageJson(const Usage& usage) {
  return R"({"prompt_tokens":)" + std::to_string(usage.prompt_tokens) + R"(,"total_tokens":)" +
         std::to_string(usage.prompt_tokens + usage.completion_tokens) +
         R"(,"completion_tokens":)" + std::to_string(usage.completion_tokens) + "}";
}

std::string Event(const std::string& json) { return "data: " + json + "\n\n"; }

}  // namespace

std::string JsonString(std::string_view text) { return JsonQuote(text); }

std::string RoleChunk(const ResponseContext& context) {
  return Event(Prefix(context) +
               R"(,"choices":[{"index":0,"delta":{"role":"assistant","content":""},)"
               R"("logprobs":null,"finish_reason":null}]})");
}

std::string ContentChunk(const ResponseContext& context, std::string_view text,
                         std::string_view finish_reason) {
  std::string json = Prefix(context);
  if (context.endpoint == Endpoint::kChatCompletions) {
    json += R"(,"choices":[{"index":0,"delta":{"content":)";
    json += JsonString(text);
    json += R"(},"logprobs":null,"finish_reason":)";
  } else {
    json += R"(,"choices":[{"index":0,"text":)";
    json += JsonString(text);
    json += R"(,"logprobs":null,"finish_reason":)";
  }
  json += FinishReason(finish_reason);
  json += R"(,"stop_reason":null}]})";
  return Event(json);
}

std::string UsageChunk(const ResponseContext& context, const Usage& usage) {
  return Event(Prefix(context) + R"(,"choices":[],"usage":)" + UsageJson(usage) + "}");
}

std::string CompleteResponse(const ResponseContext& context, std::string_view text,
                             std::string_view finish_reason, const Usage& usage,
                             std::string_view kv_transfer_params) {
  const bool chat = context.endpoint == Endpoint::kChatCompletions;
  std::string json = R"({"id":)" + JsonString(context.id) +
                     (chat ? R"(,"object":"chat.completion","created":)"
                           : R"(,"object":"text_completion","created":)") +
                     std::to_string(context.created) + R"(,"model":)" + JsonString(context.model);
  if (chat) {
    json += R"(,"choices":[{"index":0,"message":{"role":"assistant","content":)" +
            JsonString(text) + R"(},"logprobs":null,"finish_reason":)";
  } else {
    json += R"(,"choices":[{"index":0,"text":)" + JsonString(text) +
            R"(,"logprobs":null,"finish_reason":)";
  }
  json += FinishReason(finish_reason) + R"(,"stop_reason":null}],"usage":)" + UsageJson(usage);
  if (!kv_transfer_params.empty()) {
    json += R"(,"kv_transfer_params":)";
    json += kv_transfer_params;
  }
  return json + "}";
}

std::string ErrorBody(int status, std::string_view type, std::string_view message,
                      std::string_view param) {
  return R"({"error":{"message":)" + JsonString(message) + R"(,"type":)" + JsonString(type) +
         R"(,"param":)" + (param.empty() ? std::string("null") : JsonString(param)) +
         R"(,"code":)" + std::to_string(status) + "}}";
}

}  // namespace tessera::openai
