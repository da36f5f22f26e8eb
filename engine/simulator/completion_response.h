// One completion request's answer in vLLM's shape: streamed as SSE chunks
// (the assistant's role with the first output for chat, a chunk per piece
// of text, the finish reason on the last, usage when asked, then [DONE]),
// or whole at the end; or, for SGLang's native /generate, in SGLang's shape
// (an event per token carrying the text so far and meta_info). It owns the
// text generated so far, so it is also where stop strings cut the output.

#ifndef TESSERA_ENGINE_SIMULATOR_COMPLETION_RESPONSE_H_
#define TESSERA_ENGINE_SIMULATOR_COMPLETION_RESPONSE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/openai/response_writer.h"
#include "engine/simulator/sequence.h"
#include "engine/tokenizer/tokenizer.h"
#include "http/http_exchange.h"

namespace tessera::simulator {

// SGLang's /generate: what its answer needs besides the text.
struct GenerateFormat {
  bool batch = false;          // the prompt came as a list: answered as a list
  int64_t max_new_tokens = 0;  // a length finish reports it
  int64_t prompt_tokens = 0;   // every event reports it
};

// SGLang's refusal of a /generate request (a ValueError in its tokenizer
// manager): 400 {"error": {"message"}}, or for a stream, which SGLang has
// begun answering before it validates, 200 with that error as an event
// followed by [DONE].
http::HttpResponse GenerateRefusal(bool stream, std::string_view message);

// What the end of an answer reports besides its text.
struct Completion {
  int64_t prompt_tokens = 0;
  int64_t cached_tokens = 0;  // of the prompt, from the prefix cache
  double e2e_seconds = 0;     // arrival to finish, simulated
};

class CompletionResponse {
 public:
  // Answers nothing; the server assigns a real one once it has accepted the
  // request.
  CompletionResponse() = default;
  // `stop` holds the request's stop strings; an empty one is ignored.
  // `tokenizer` counts the output a stop string cut. `generate` answers in
  // SGLang's native shape instead of OpenAI's.
  CompletionResponse(std::shared_ptr<http::HttpExchange> exchange, openai::ResponseContext context,
                     bool stream, bool include_usage, std::vector<std::string> stop,
                     std::shared_ptr<const tokenizer::Tokenizer> tokenizer,
                     std::optional<GenerateFormat> generate = std::nullopt);

  const std::string& id() const { return context_.id; }

  // A stream's response head (200, text/event-stream), sent when the request
  // is accepted; a whole response sends nothing until Finish().
  void StartStream();
  // Called with the first token, before Append(): vLLM and SGLang send a
  // chat's assistant role with the first output, not on arrival, and clients
  // time the first token from that chunk.
  void BeginOutput();
  // Appends one token's text, which ends the output when `finish` is not
  // kNone. A stop string ends it before the string: what of the piece comes
  // before it is kept (a stop string may straddle earlier pieces, already
  // sent, so only this piece can be cut). Returns how the output ends after
  // this piece: kStop when a stop string ended it, else `finish`.
  // `cached_tokens` is how many prompt tokens came from the prefix cache,
  // which SGLang's stream reports with each token.
  FinishReason Append(std::string_view text, FinishReason finish, int64_t cached_tokens = 0);
  // Ends the answer with `finish` and the usage it reports, which is
  // returned: the prompt's tokens and the output's (at least one).
  openai::Usage Finish(FinishReason finish, const Completion& completion);
  // Adds vLLM's top-level kv_transfer_params (a JSON object) to a whole
  // response; a stream has nowhere to carry it.
  void SetKvTransferParams(std::string json) { kv_transfer_params_ = std::move(json); }
  // Ends the answer with an error: as the last event of a stream whose head
  // is sent, else as an error response with `status`. SGLang answers only
  // refusals (400) as errors; other failures end its output with an abort
  // finish reason.
  void Fail(int status, std::string_view type, std::string_view message);
  // Refuses the request before it is accepted (no stream head sent): an
  // error response with `status`, in the answer's shape; `param` names the
  // field at fault where OpenAI's shape has room for it.
  void Refuse(int status, std::string_view type, std::string_view message,
              std::string_view param = "");

 private:
  std::shared_ptr<http::HttpExchange> exchange_;
  openai::ResponseContext context_;
  bool stream_ = false;
  bool include_usage_ = false;
  std::vector<std::string> stop_;
  std::shared_ptr<const tokenizer::Tokenizer> tokenizer_;
  std::optional<GenerateFormat> generate_;
  std::string text_;  // generated so far, as sent
  int64_t tokens_ = 0;
  int64_t cached_tokens_ = 0;
  std::string matched_stop_;  // the stop string that ended the output
  std::string kv_transfer_params_;
};

// "stop" or "length", as the finish_reason field spells it.
std::string_view FinishReasonText(FinishReason reason);

}  // namespace tessera::simulator

#endif  // TESSERA_ENGINE_SIMULATOR_COMPLETION_RESPONSE_H_
