// The prompt as the engine's tokenizer and chat template see it: what the
// KV cache holds, the context limit counts and prefix caching matches.

#ifndef TESSERA_ENGINE_SIMULATOR_CHAT_PROMPT_H_
#define TESSERA_ENGINE_SIMULATOR_CHAT_PROMPT_H_

#include <vector>

#include "engine/openai/completion_request.h"
#include "engine/tokenizer/tokenizer.h"

namespace tessera::simulator {

// The request's prompt_token_ids when it sent them; a completion's prompt as
// the engine tokenizes it (with what the tokenizer adds before a sequence);
// a chat's messages in the template of the tokenizer's model family, told
// by the special tokens its vocabulary has:
//   - Llama 3 (<|start_header_id|>): <|begin_of_text|>, then per message
//     <|start_header_id|>ROLE<|end_header_id|>\n\nCONTENT<|eot_id|> with
//     CONTENT trimmed, then the assistant's header; also the stand-in's shape;
//   - ChatML, Qwen's (<|im_start|>): the tokenizer's default system turn when
//     the first message is not the system's, then per message
//     <|im_start|>ROLE\nCONTENT<|im_end|>\n, then <|im_start|>assistant\n;
//   - DeepSeek V3 (<｜User｜>): the sequence prefix, the system contents
//     joined by blank lines, then <｜User｜>CONTENT and
//     <｜Assistant｜>CONTENT<｜end▁of▁sentence｜> turns, then <｜Assistant｜>;
//   - otherwise the sequence prefix and the contents one after another.
// The shapes leave out what other templates add on their own (Llama 3.1's
// knowledge and today's dates): a few tokens, the same for every request.
std::vector<tokenizer::TokenId> PromptTokens(const openai::CompletionRequest& request,
                                             const tokenizer::Tokenizer& tokenizer);

}  // namespace tessera::simulator

#endif  // TESSERA_ENGINE_SIMULATOR_CHAT_PROMPT_H_
