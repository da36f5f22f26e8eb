#include "engine/simulator/completion_response.h"

#include <algorithm>
#include <utility>

#include "engine/sglang/generate_response.h"

namespace tessera::simulator {
namespace {

// Llama 3's end-of-turn token, which SGLang reports as the "matched" token
// of an output the model ended itself.
constexpr int64_t kEndOfTurnToken = 128009;

}  // namespace

http::HttpResponse GenerateRefusal(bool stream, std::string_view message) {
  if (!stream) return http::HttpResponse::Json(400, sglang::ErrorBody(message));
  return http::HttpResponse{
      .status = 200,
      .headers = {{"Content-Type", "text/event-stream; charset=utf-8"}},
      .body = "data: " + sglang::ErrorBody(message) + "\n\n" + std::string(openai::kStreamDone)};
}

std::string_view FinishReasonText(FinishReason reason) {
  return reason == FinishReason::kStop ? "stop" : "length";
}

CompletionResponse::CompletionResponse(std::shared_ptr<http::HttpExchange> exchange,
                                       openai::ResponseContext context, bool stream,
                                       bool include_usage, std::vector<std::string> stop,
                                       std::shared_ptr<const tokenizer::Tokenizer> tokenizer,
                                       std::optional<GenerateFormat> generate)
    : exchange_(std::move(exchange)),
      context_(std::move(context)),
      stream_(stream),
      include_usage_(include_usage),
      stop_(std::move(stop)),
      tokenizer_(std::move(tokenizer)),
      generate_(generate) {}

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

FinishReason CompletionResponse::Append(std::string_view text, FinishReason finish,
                                        int64_t cached_tokens) {
  ++tokens_;
  cached_tokens_ = cached_tokens;
  std::string piece(text);
  if (!stop_.empty()) {
    const std::string combined = text_ + piece;
    size_t cut = std::string::npos;
    for (const std::string& stop : stop_) {
      if (stop.empty()) continue;
      const size_t overlap = std::min(text_.size(), stop.size() - 1);
      const size_t found = combined.find(stop, text_.size() - overlap);
      if (found < cut) {
        cut = found;
        matched_stop_ = stop;
      }
    }
    if (cut != std::string::npos) {
      piece =
          cut > text_.size() ? combined.substr(text_.size(), cut - text_.size()) : std::string();
      finish = FinishReason::kStop;
    }
  }
  text_ += piece;
  if (generate_) {
    // SGLang sends an event per token with the text so far; the last one,
    // which carries the finish reason and latency, is Finish()'s.
    if (stream_ && finish == FinishReason::kNone) {
      (void)exchange_->Write(
          sglang::GenerateEvent(text_,
                                {.id = context_.id,
                                 .prompt_tokens = generate_->prompt_tokens,
                                 .completion_tokens = tokens_,
                                 .cached_tokens = cached_tokens_},
                                generate_->batch ? std::optional<int64_t>(0) : std::nullopt));
    }
    return finish;
  }
  if (stream_ && (!piece.empty() || finish != FinishReason::kNone)) {
    (void)exchange_->Write(openai::ContentChunk(
        context_, piece, finish == FinishReason::kNone ? "" : FinishReasonText(finish)));
  }
  return finish;
}

openai::Usage CompletionResponse::Finish(FinishReason finish, const Completion& completion) {
  if (generate_) {
    // SGLang counts the tokens generated, the one that matched a stop string
    // included.
    const openai::Usage usage{.prompt_tokens = completion.prompt_tokens,
                              .completion_tokens = std::max<int64_t>(tokens_, 1)};
    const std::string reason = finish == FinishReason::kLength
                                   ? sglang::LengthFinish(generate_->max_new_tokens)
                               : !matched_stop_.empty() ? sglang::StopStringFinish(matched_stop_)
                                                        : sglang::StopTokenFinish(kEndOfTurnToken);
    const sglang::MetaInfo meta_info{.id = context_.id,
                                     .finish_reason = reason,
                                     .prompt_tokens = usage.prompt_tokens,
                                     .completion_tokens = usage.completion_tokens,
                                     .cached_tokens = completion.cached_tokens,
                                     .e2e_latency = completion.e2e_seconds};
    if (stream_) {
      (void)exchange_->Write(sglang::GenerateEvent(
          text_, meta_info, generate_->batch ? std::optional<int64_t>(0) : std::nullopt));
      (void)exchange_->Write(openai::kStreamDone);
      (void)exchange_->End();
    } else {
      const std::string output = sglang::GenerateOutput(text_, meta_info);
      (void)exchange_->Respond(
          http::HttpResponse::Json(200, generate_->batch ? "[" + output + "]" : output));
    }
    return usage;
  }
  // Every token appended is one token of output unless a stop string cut
  // the text, which is then counted again.
  const int64_t generated = matched_stop_.empty() ? tokens_ : tokenizer_->CountTokens(text_);
  const openai::Usage usage{.prompt_tokens = completion.prompt_tokens,
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
  if (generate_) {
    const bool refused = status == 400;
    const sglang::MetaInfo meta_info{.id = context_.id,
                                     .finish_reason = sglang::AbortFinish(message, status),
                                     .prompt_tokens = generate_->prompt_tokens,
                                     .completion_tokens = tokens_,
                                     .cached_tokens = cached_tokens_};
    if (stream_) {
      (void)exchange_->Write(refused ? "data: " + sglang::ErrorBody(message) + "\n\n"
                                     : sglang::GenerateEvent(text_, meta_info));
      (void)exchange_->Write(openai::kStreamDone);
      (void)exchange_->End();
    } else if (refused) {
      (void)exchange_->Respond(http::HttpResponse::Json(status, sglang::ErrorBody(message)));
    } else {
      (void)exchange_->Respond(
          http::HttpResponse::Json(200, sglang::GenerateOutput(text_, meta_info)));
    }
    return;
  }
  if (stream_) {
    (void)exchange_->Write("data: " + openai::ErrorBody(status, type, message) + "\n\n");
    (void)exchange_->End();
  } else {
    (void)exchange_->Respond(
        http::HttpResponse::Json(status, openai::ErrorBody(status, type, message)));
  }
}

void CompletionResponse::Refuse(int status, std::string_view type, std::string_view message,
                                std::string_view param) {
  if (generate_ && status == 400) {
    (void)exchange_->Respond(GenerateRefusal(stream_, message));
    return;
  }
  (void)exchange_->Respond(http::HttpResponse::Json(
      status,
      generate_ ? sglang::ErrorBody(message) : openai::ErrorBody(status, type, message, param)));
}

}  // namespace tessera::simulator
