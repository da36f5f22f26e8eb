// OpenAI response bodies and server-sent-event chunks in the shape vLLM
// emits, built as strings directly: the simulator writes tens of thousands of
// chunks a second.

#ifndef TESSERA_ENGINE_OPENAI_RESPONSE_WRITER_H_
#define TESSERA_ENGINE_OPENAI_RESPONSE_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/openai/completion_request.h"

namespace tessera::openai {

inline constexpr std::string_view kStreamDone = "data: [DONE]\n\n";

struct Usage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
};

// What every chunk of one response repeats.
struct ResponseContext {
  Endpoint endpoint = Endpoint::kCompletions;
  std::string id;       // "cmpl-..." or "chatcmpl-..."
  int64_t created = 0;  // Unix seconds
  std::string model;
};

// `text` as a JSON string literal, quotes included: JsonQuote() (base/strings.h).
std::string JsonString(std::string_view text);

// Chat streams open with the assistant role and empty content.
std::string RoleChunk(const ResponseContext& context);

// One streamed piece of output; the last one carries the finish reason
// ("length" or "stop"), otherwise `finish_reason` is empty.
std::string ContentChunk(const ResponseContext& context, std::string_view text,
                         std::string_view finish_reason);

// The usage chunk sent before [DONE] when stream_options.include_usage is set.
std::string UsageChunk(const ResponseContext& context, const Usage& usage);

// The whole non-streaming response body. `kv_transfer_params`, when not
// empty, is a JSON object added as the top-level field of that name (vLLM's
// prefill worker answers where its KV waits there).
std::string CompleteResponse(const ResponseContext& context, std::string_view text,
                             std::string_view finish_reason, const Usage& usage,
                             std::string_view kv_transfer_params = "");

// vLLM's error body: {"error":{"message":...,"type":...,"param":...,"code":N}}.
// An empty `param` is written as null.
std::string ErrorBody(int status, std::string_view type, std::string_view message,
                      std::string_view param = "");

}  // namespace tessera::openai

#endif  // TESSERA_ENGINE_OPENAI_RESPONSE_WRITER_H_
