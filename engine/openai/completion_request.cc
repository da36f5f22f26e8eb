#include "engine/openai/completion_request.h"

#include <algorithm>
#include <cstdint>

namespace tessera::openai {
namespace {

using nlohmann::json;

// Token ids are 32-bit in every tokenizer the engines ship.
constexpr uint64_t kMaxTokenId = 0xffffffff;

Status FieldError(std::string_view field, std::string_view reason) {
  return InvalidArgumentError(std::string(field) + ": " + std::string(reason));
}

std::string TypeName(const json& value) { return value.type_name(); }

bool IsTokenIdList(const json& value) {
  return value.is_array() && !value.empty() &&
         std::all_of(value.begin(), value.end(),
                     [](const json& id) { return id.is_number_integer(); });
}

// A prompt is text, a list of token ids, or a list of one of either (a batch
// of one); vLLM accepts all four.
Status ReadPrompt(const json& prompt, CompletionRequest& request) {
  const json* single = &prompt;
  if (prompt.is_array() && prompt.size() == 1 && (prompt[0].is_string() || prompt[0].is_array())) {
    single = &prompt[0];
  } else if (prompt.is_array() && !prompt.empty() && !IsTokenIdList(prompt)) {
    return FieldError("prompt", "batched prompts are not supported; send one prompt per request");
  }
  if (single->is_string()) {
    request.prompt = single->get<std::string>();
    return OkStatus();
  }
  if (single->is_array() && single->empty()) return FieldError("prompt", "must not be empty");
  if (!IsTokenIdList(*single)) {
    return FieldError("prompt", "must be a string or a list of token ids, got " + TypeName(prompt));
  }
  std::vector<int64_t>& ids = request.prompt_token_ids.emplace();
  ids.reserve(single->size());
  for (const json& id : *single) {
    if (!id.is_number_unsigned() || id.get<uint64_t>() > kMaxTokenId) {
      return FieldError("prompt", "token ids must be from 0 to " + std::to_string(kMaxTokenId) +
                                      ", got " + id.dump());
    }
    ids.push_back(id.get<int64_t>());
  }
  return OkStatus();
}

// Content is a string or a list of parts of which the text parts count.
StatusOr<std::string> ReadContent(const json& content, size_t index) {
  const std::string field = "messages[" + std::to_string(index) + "].content";
  if (content.is_string()) return content.get<std::string>();
  if (content.is_null()) return std::string();
  if (!content.is_array()) {
    return FieldError(field, "must be a string or a list of parts, got " + TypeName(content));
  }
  std::string text;
  for (const json& part : content) {
    if (!part.is_object() || !part.contains("type")) {
      return FieldError(field, "each part must be an object with a type");
    }
    if (part["type"] == "text") {
      if (!part.contains("text") || !part["text"].is_string()) {
        return FieldError(field, "a text part needs a string \"text\"");
      }
      text += part["text"].get<std::string>();
    }
  }
  return text;
}

StatusOr<std::vector<ChatMessage>> ReadMessages(const json& messages) {
  if (!messages.is_array())
    return FieldError("messages", "must be a list, got " + TypeName(messages));
  if (messages.empty()) return FieldError("messages", "must not be empty");
  std::vector<ChatMessage> result;
  for (size_t index = 0; index < messages.size(); ++index) {
    const json& message = messages[index];
    const std::string field = "messages[" + std::to_string(index) + "]";
    if (!message.is_object()) return FieldError(field, "must be an object");
    const auto role = message.find("role");
    if (role == message.end() || !role->is_string()) {
      return FieldError(field + ".role", "is required and must be a string");
    }
    ChatMessage parsed;
    parsed.role = role->get<std::string>();
    if (const auto content = message.find("content"); content != message.end()) {
      TESSERA_ASSIGN_OR_RETURN(parsed.content, ReadContent(*content, index));
    }
    result.push_back(std::move(parsed));
  }
  return result;
}

StatusOr<std::optional<int64_t>> ReadMaxTokens(const json& body) {
  for (const char* field : {"max_completion_tokens", "max_tokens"}) {
    const auto it = body.find(field);
    if (it == body.end() || it->is_null()) continue;
    if (!it->is_number_integer())
      return FieldError(field, "must be an integer, got " + TypeName(*it));
    // Reported as sent: 2^64-1 read as int64 would print as -1.
    if (it->is_number_unsigned() && it->get<uint64_t>() > uint64_t{INT64_MAX}) {
      return FieldError(field,
                        "must be at most " + std::to_string(INT64_MAX) + ", got " + it->dump());
    }
    const auto value = it->get<int64_t>();
    if (value < 1) return FieldError(field, "must be at least 1, got " + it->dump());
    return std::optional<int64_t>(value);
  }
  return std::optional<int64_t>();
}

StatusOr<std::vector<std::string>> ReadStop(const json& stop) {
  if (stop.is_null()) return std::vector<std::string>();
  if (stop.is_string()) return std::vector<std::string>{stop.get<std::string>()};
  if (!stop.is_array()) return FieldError("stop", "must be a string or a list of strings");
  std::vector<std::string> result;
  for (const json& item : stop) {
    if (!item.is_string()) return FieldError("stop", "must be a string or a list of strings");
    result.push_back(item.get<std::string>());
  }
  return result;
}

StatusOr<bool> ReadBool(const json& body, const char* field, bool fallback) {
  const auto it = body.find(field);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) return FieldError(field, "must be a boolean, got " + TypeName(*it));
  return it->get<bool>();
}

// A bootstrap field is a scalar, or a one-element list for a batch of one.
const json* Scalar(const json& value) {
  if (value.is_array()) return value.size() == 1 ? &value[0] : nullptr;
  return &value;
}

}  // namespace

StatusOr<std::optional<Bootstrap>> ReadBootstrap(const json& body) {
  const auto host = body.find("bootstrap_host");
  if (host == body.end() || host->is_null()) return std::optional<Bootstrap>();
  Bootstrap bootstrap;
  const json* host_value = Scalar(*host);
  if (host_value == nullptr || !host_value->is_string()) {
    return FieldError("bootstrap_host", "must be a string");
  }
  bootstrap.host = host_value->get<std::string>();
  if (const auto port = body.find("bootstrap_port"); port != body.end()) {
    const json* port_value = Scalar(*port);
    if (port_value == nullptr || !(port_value->is_null() || port_value->is_number_integer())) {
      return FieldError("bootstrap_port", "must be an integer or null");
    }
    if (port_value->is_number_integer()) bootstrap.port = port_value->get<int64_t>();
  }
  const auto room = body.find("bootstrap_room");
  const json* room_value = room == body.end() ? nullptr : Scalar(*room);
  if (room_value == nullptr || !room_value->is_number_integer()) {
    return FieldError("bootstrap_room", "is required with bootstrap_host and must be an integer");
  }
  // Rooms are 64-bit; nlohmann keeps the exact value as signed or unsigned.
  bootstrap.room = room_value->is_number_unsigned()
                       ? room_value->get<uint64_t>()
                       : static_cast<uint64_t>(room_value->get<int64_t>());
  return std::optional<Bootstrap>(bootstrap);
}

StatusOr<CompletionRequest> ParseCompletionRequest(const json& body, Endpoint endpoint) {
  if (!body.is_object()) return FieldError("body", "must be a JSON object");
  CompletionRequest request;
  request.endpoint = endpoint;
  if (const auto model = body.find("model"); model != body.end() && !model->is_null()) {
    if (!model->is_string())
      return FieldError("model", "must be a string, got " + TypeName(*model));
    request.model = model->get<std::string>();
  }
  if (endpoint == Endpoint::kCompletions) {
    const auto prompt = body.find("prompt");
    if (prompt == body.end()) return FieldError("prompt", "is required");
    TESSERA_RETURN_IF_ERROR(ReadPrompt(*prompt, request));
  } else {
    const auto messages = body.find("messages");
    if (messages == body.end()) return FieldError("messages", "is required");
    TESSERA_ASSIGN_OR_RETURN(request.messages, ReadMessages(*messages));
  }
  TESSERA_ASSIGN_OR_RETURN(request.max_tokens, ReadMaxTokens(body));
  TESSERA_ASSIGN_OR_RETURN(request.stream, ReadBool(body, "stream", false));
  TESSERA_ASSIGN_OR_RETURN(request.ignore_eos, ReadBool(body, "ignore_eos", false));
  if (const auto options = body.find("stream_options");
      options != body.end() && !options->is_null()) {
    if (!options->is_object()) return FieldError("stream_options", "must be an object");
    TESSERA_ASSIGN_OR_RETURN(request.include_usage, ReadBool(*options, "include_usage", false));
  }
  if (const auto stop = body.find("stop"); stop != body.end()) {
    TESSERA_ASSIGN_OR_RETURN(request.stop, ReadStop(*stop));
  }
  if (const auto temperature = body.find("temperature");
      temperature != body.end() && !temperature->is_null()) {
    if (!temperature->is_number()) {
      return FieldError("temperature", "must be a number, got " + TypeName(*temperature));
    }
    request.temperature = temperature->get<double>();
    if (request.temperature < 0 || request.temperature > 2) {
      return FieldError("temperature", "must be between 0 and 2");
    }
  }
  if (const auto n = body.find("n"); n != body.end() && !n->is_null()) {
    if (!n->is_number_integer() || n->get<int64_t>() != 1) {
      return FieldError("n", "only n=1 is supported");
    }
  }
  if (const auto seed = body.find("seed"); seed != body.end() && !seed->is_null()) {
    if (!seed->is_number_integer()) return FieldError("seed", "must be an integer");
    request.seed = seed->get<int64_t>();
  }
  TESSERA_ASSIGN_OR_RETURN(request.bootstrap, ReadBootstrap(body));
  TESSERA_ASSIGN_OR_RETURN(request.kv_transfer, ReadKvTransferParams(body));
  return request;
}

std::string FieldOf(const Status& error) {
  const std::string& message = error.message();
  const size_t colon = message.find(": ");
  if (colon == std::string::npos) return "";
  return message.substr(0, colon);
}

}  // namespace tessera::openai
