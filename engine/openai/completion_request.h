// The part of OpenAI's /v1/completions and /v1/chat/completions requests that
// Tessera's engines, router and benchmark act on, parsed with errors that
// name the offending field.

#ifndef TESSERA_ENGINE_OPENAI_COMPLETION_REQUEST_H_
#define TESSERA_ENGINE_OPENAI_COMPLETION_REQUEST_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "engine/openai/kv_transfer_params.h"

namespace tessera::openai {

enum class Endpoint { kCompletions, kChatCompletions };

struct ChatMessage {
  std::string role;
  std::string content;
};

// SGLang's prefill/decode hand-off fields, which sglang-router adds to the
// request it sends to both workers of a pair.
struct Bootstrap {
  std::string host;
  std::optional<int64_t> port;  // null: the decode worker's own bootstrap port
  uint64_t room = 0;
};

struct CompletionRequest {
  Endpoint endpoint = Endpoint::kCompletions;
  std::string model;
  std::string prompt;  // completions, given as text
  // Completions given as token ids ("prompt": [1, 2, 3]), as vLLM accepts.
  std::optional<std::vector<int64_t>> prompt_token_ids;
  std::vector<ChatMessage> messages;  // chat
  std::optional<int64_t> max_tokens;  // max_tokens or max_completion_tokens
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  bool ignore_eos = false;
  std::vector<std::string> stop;
  double temperature = 1.0;
  std::optional<int64_t> seed;
  std::optional<Bootstrap> bootstrap;
  std::optional<KvTransferParams> kv_transfer;  // vLLM's prefill/decode protocol
};

// Parses and validates a request body. Errors are InvalidArgument with the
// message "<field>: <reason>" (e.g. "max_tokens: must be at least 1, got
// 0"); FieldOf() recovers the field for OpenAI's "param". Unknown fields are
// ignored, as the engines do.
StatusOr<CompletionRequest> ParseCompletionRequest(const nlohmann::json& body, Endpoint endpoint);

// Reads SGLang's bootstrap_host, bootstrap_port and bootstrap_room from a
// request body (each a scalar or a list of one): nullopt without
// bootstrap_host. Shared by the OpenAI endpoints and SGLang's /generate,
// which sglang-router fills alike.
StatusOr<std::optional<Bootstrap>> ReadBootstrap(const nlohmann::json& body);

// The field named at the start of a parse error, or "" when none is.
std::string FieldOf(const Status& error);

}  // namespace tessera::openai

#endif  // TESSERA_ENGINE_OPENAI_COMPLETION_REQUEST_H_
