// Whether a request fits the model's context, checked as vLLM checks it and
// refused in vLLM's words: clients and tests match the message and the
// field it names.

#ifndef TESSERA_ENGINE_SIMULATOR_CONTEXT_LENGTH_H_
#define TESSERA_ENGINE_SIMULATOR_CONTEXT_LENGTH_H_

#include <cstdint>
#include <optional>
#include <string>

#include "engine/openai/completion_request.h"

namespace tessera::simulator {

struct ContextLengthError {
  std::string message{};
  std::string param{};  // the request field at fault: input_tokens or max_tokens
};

// The tokens a request may generate: what it asked for (max_tokens or
// max_completion_tokens), else OpenAI's defaults, 16 for completions and
// the rest of the context for chat.
int64_t OutputTokenLimit(const openai::CompletionRequest& request, int64_t prompt_tokens,
                         int64_t max_model_len);

// nullopt when `prompt_tokens` leave room for output and `max_tokens` more
// fit in `max_model_len`; otherwise the error, the prompt's checked first.
std::optional<ContextLengthError> CheckContextLength(int64_t prompt_tokens, int64_t max_tokens,
                                                     int64_t max_model_len);

}  // namespace tessera::simulator

#endif  // TESSERA_ENGINE_SIMULATOR_CONTEXT_LENGTH_H_
