#include "engine/simulator/completion_response.h"

#include <algorithm>
#include <utility>

#include "engine/tokenizer/stand_in_tokenizer.h"

namespace tessera::simulator {

std::string_view FinishReasonText(FinishReason reason) {
  return reason == FinishReason::kStop ? "stop" : "length";
}

CompletionResponse::CompletionResponse(std::shared_ptr<http::HttpExchange> exchange,
                                       openai::ResponseContext context, bool stream,
                                       bool include_usage, std::vector<std::string> stop)
    : exchange_(std::move(exchange)),
      context_(std::move(context)),
      stream_(stream),
      include_usage_(include_usage),
      stop_(std::move(stop)) {}

void CompletionResponse::StartStream() {
  if (stream_) {
    (void)exchange_->StartStream(200, {{"Content-Type", "text/event-stream; charset=utf-8"}});
  }
}

void CompletionResponse::BeginOutput() {
  if (stream_ && context_.endpoint == openai::Endpoint::kChatCompletions) {
    (void)exchange_->Write(openai::RoleChunk(context_));
  }
}

FinishReason CompletionResponse::Append(std::string_view text, FinishReason finish) {
  std::string piece(text);
  const std::string combined = text_ + piece;
  size_t cut = std::string::npos;
  for (const std::string& stop : stop_) {
    if (stop.empty()) continue;
    const size_t overlap = std::min(text_.size(), stop.size() - 1);
    cut = std::min(cut, combined.find(stop, text_.size() - overlap));
  }
  if (cut != std::string::npos) {
    piece = cut > text_.size() ? combined.substr(text_.size(), cut - text_.size()) : std::string();
    finish = FinishReason::kStop;
  }
  text_ += piece;
  if (stream_ && (!piece.empty() || finish != FinishReason::kNone)) {
    (void)exchange_->Write(openai::ContentChunk(
        context_, piece, finish == FinishReason::kNone ? "" : FinishReasonText(finish)));
  }
  return finish;
}

openai::Usage CompletionResponse::Finish(FinishReason finish, int64_t prompt_tokens) {
  const auto generated = static_cast<int64_t>(tokenizer::CountTokens(text_));
  const openai::Usage usage{.prompt_tokens = prompt_tokens,
                            .completion_tokens = std::max<int64_t>(generated, 1)};
  if (stream_) {
    if (include_usage_) (void)exchange_->Write(openai::UsageChunk(context_, usage));
    (void)exchange_->Write(openai::kStreamDone);
    (void)exchange_->End();
  } else {
    (void)exchange_->Respond(http::HttpResponse::Json(
        200, openai::CompleteResponse(context_, text_, FinishReasonText(finish), usage,
                                      kv_transfer_params_)));
  }
  return usage;
}

void CompletionResponse::Fail(int status, std::string_view type, std::string_view message) {
  if (stream_) {
    (void)exchange_->Write("data: " + openai::ErrorBody(status, type, message) + "\n\n");
    (void)exchange_->End();
  } else {
    (void)exchange_->Respond(
        http::HttpResponse::Json(status, openai::ErrorBody(status, type, message)));
  }
}

}  // namespace tessera::simulator
