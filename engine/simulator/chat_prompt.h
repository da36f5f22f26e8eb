// The prompt as the engine's tokenizer and chat template see it: what the
// KV cache holds, the context limit counts and prefix caching matches.

#ifndef TESSERA_ENGINE_SIMULATOR_CHAT_PROMPT_H_
#define TESSERA_ENGINE_SIMULATOR_CHAT_PROMPT_H_

#include <vector>

#include "engine/openai/completion_request.h"
#include "engine/tokenizer/stand_in_tokenizer.h"

namespace tessera::simulator {

// The request's prompt_token_ids when it sent them; a completion's prompt
// tokenized; a chat's messages in Llama 3's chat template (header and
// end-of-turn tokens around each message, then the assistant's header), so
// that equal conversations share cache blocks.
std::vector<tokenizer::TokenId> PromptTokens(const openai::CompletionRequest& request);

}  // namespace tessera::simulator

#endif  // TESSERA_ENGINE_SIMULATOR_CHAT_PROMPT_H_
