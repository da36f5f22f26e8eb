#include "engine/simulator/context_length.h"

namespace tessera::simulator {

int64_t OutputTokenLimit(const openai::CompletionRequest& request, int64_t prompt_tokens,
                         int64_t max_model_len) {
  return request.max_tokens.value_or(
      request.endpoint == openai::Endpoint::kCompletions ? 16 : max_model_len - prompt_tokens);
}

std::optional<ContextLengthError> CheckContextLength(int64_t prompt_tokens, int64_t max_tokens,
                                                     int64_t max_model_len) {
  const std::string limit = std::to_string(max_model_len);
  const std::string prompt = std::to_string(prompt_tokens);
  if (prompt_tokens >= max_model_len) {
    return ContextLengthError{
        .message = "This model's maximum context length is " + limit +
                   " tokens. However, your prompt contains " + prompt +
                   " input tokens, which exceeds this limit even without any output tokens.",
        .param = "input_tokens"};
  }
  if (prompt_tokens + max_tokens > max_model_len) {
    const std::string output = std::to_string(max_tokens);
    return ContextLengthError{
        .message = "'max_tokens' or 'max_completion_tokens' is too large: " + output +
                   ". This model's maximum context length is " + limit +
                   " tokens and your request has " + prompt + " input tokens (" + output + " > " +
                   limit + " - " + prompt + ").",
        .param = "max_tokens"};
  }
  return std::nullopt;
}

}  // namespace tessera::simulator
