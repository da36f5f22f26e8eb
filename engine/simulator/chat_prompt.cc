#include "engine/simulator/chat_prompt.h"

#include <optional>
#include <string>
#include <string_view>

#include "base/strings.h"

namespace tessera::simulator {
namespace {

using tokenizer::TokenId;

// Appends the tokens of `text`, or the special token `text` names.
class PromptBuilder {
 public:
  explicit PromptBuilder(const tokenizer::Tokenizer& tokenizer) : tokenizer_(tokenizer) {}

  PromptBuilder& Special(TokenId id) {
    tokens_.push_back(id);
    return *this;
  }
  PromptBuilder& Text(std::string_view text) {
    const std::vector<TokenId> ids = tokenizer_.Encode(text);
    tokens_.insert(tokens_.end(), ids.begin(), ids.end());
    return *this;
  }
  PromptBuilder& SequencePrefix() {
    const std::span<const TokenId> prefix = tokenizer_.SequencePrefix();
    tokens_.insert(tokens_.end(), prefix.begin(), prefix.end());
    return *this;
  }
  std::vector<TokenId> Take() { return std::move(tokens_); }

 private:
  const tokenizer::Tokenizer& tokenizer_;
  std::vector<TokenId> tokens_;
};

std::vector<TokenId> Llama3(const openai::CompletionRequest& request,
                            const tokenizer::Tokenizer& tokenizer, TokenId begin_of_text,
                            TokenId start_header, TokenId end_header, TokenId end_of_turn) {
  PromptBuilder prompt(tokenizer);
  // "\n\n" is one token in Llama 3's vocabulary and the stand-in knows it.
  const std::optional<TokenId> blank_line = tokenizer.TokenIdOf("\n\n");
  const auto header = [&](std::string_view role) {
    prompt.Special(start_header);
    if (const std::optional<TokenId> role_token = tokenizer.TokenIdOf(role)) {
      prompt.Special(*role_token);
    } else {
      prompt.Text(role);
    }
    prompt.Special(end_header);
    if (blank_line) {
      prompt.Special(*blank_line);
    } else {
      prompt.Text("\n\n");
    }
  };
  prompt.Special(begin_of_text);
  for (const openai::ChatMessage& message : request.messages) {
    header(message.role);
    // The template trims each content (Jinja's trim).
    prompt.Text(TrimWhitespace(message.content)).Special(end_of_turn);
  }
  header("assistant");
  return prompt.Take();
}

std::vector<TokenId> ChatMl(const openai::CompletionRequest& request,
                            const tokenizer::Tokenizer& tokenizer, TokenId im_start,
                            TokenId im_end) {
  PromptBuilder prompt(tokenizer);
  const std::string_view default_system = tokenizer.DefaultSystemPrompt();
  if (!default_system.empty() &&
      (request.messages.empty() || request.messages.front().role != "system")) {
    prompt.Special(im_start).Text("system\n" + std::string(default_system));
    prompt.Special(im_end).Text("\n");
  }
  for (const openai::ChatMessage& message : request.messages) {
    prompt.Special(im_start).Text(message.role + "\n" + message.content).Special(im_end).Text("\n");
  }
  prompt.Special(im_start).Text("assistant\n");
  return prompt.Take();
}

std::vector<TokenId> DeepSeekV3(const openai::CompletionRequest& request,
                                const tokenizer::Tokenizer& tokenizer, TokenId user,
                                TokenId assistant, std::optional<TokenId> end_of_sentence) {
  PromptBuilder prompt(tokenizer);
  prompt.SequencePrefix();
  // The system messages, one text joined by blank lines, before every turn.
  std::string system;
  for (const openai::ChatMessage& message : request.messages) {
    if (message.role != "system") continue;
    if (!system.empty()) system += "\n\n";
    system += message.content;
  }
  if (!system.empty()) prompt.Text(system);
  for (const openai::ChatMessage& message : request.messages) {
    if (message.role == "system") continue;
    if (message.role == "assistant") {
      prompt.Special(assistant).Text(message.content);
      if (end_of_sentence) prompt.Special(*end_of_sentence);
    } else {
      prompt.Special(user).Text(message.content);
    }
  }
  prompt.Special(assistant);
  return prompt.Take();
}

}  // namespace

std::vector<TokenId> PromptTokens(const openai::CompletionRequest& request,
                                  const tokenizer::Tokenizer& tokenizer) {
  if (request.prompt_token_ids) {
    std::vector<TokenId> tokens;
    tokens.reserve(request.prompt_token_ids->size());
    for (int64_t id : *request.prompt_token_ids) tokens.push_back(static_cast<TokenId>(id));
    return tokens;
  }
  if (request.endpoint == openai::Endpoint::kCompletions) {
    return tokenizer::EncodePrompt(tokenizer, request.prompt);
  }
  const auto id = [&tokenizer](std::string_view content) { return tokenizer.TokenIdOf(content); };
  if (const auto start_header = id("<|start_header_id|>"), end_header = id("<|end_header_id|>"),
      end_of_turn = id("<|eot_id|>"), begin_of_text = id("<|begin_of_text|>");
      start_header && end_header && end_of_turn && begin_of_text) {
    return Llama3(request, tokenizer, *begin_of_text, *start_header, *end_header, *end_of_turn);
  }
  if (const auto im_start = id("<|im_start|>"), im_end = id("<|im_end|>"); im_start && im_end) {
    return ChatMl(request, tokenizer, *im_start, *im_end);
  }
  if (const auto user = id("<｜User｜>"), assistant = id("<｜Assistant｜>"); user && assistant) {
    return DeepSeekV3(request, tokenizer, *user, *assistant, id("<｜end▁of▁sentence｜>"));
  }
  PromptBuilder prompt(tokenizer);
  prompt.SequencePrefix();
  for (const openai::ChatMessage& message : request.messages) prompt.Text(message.content);
  return prompt.Take();
}

}  // namespace tessera::simulator
