// SGLang's native /generate answers (SGLang 0.4.6's tokenizer manager and
// HTTP server): {"text": ..., "meta_info": {...}} whole, or streamed as
// "data: {...}" events each carrying the text so far, then "data: [DONE]";
// and its error bodies. Built as strings: a stream writes one per token.

#ifndef TESSERA_ENGINE_SGLANG_GENERATE_RESPONSE_H_
#define TESSERA_ENGINE_SGLANG_GENERATE_RESPONSE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::sglang {

// The finish_reason object of meta_info, or "null" while the output runs.
// SGLang's shapes: {"type":"length","length":N}, {"type":"stop","matched":
// "<stop string>"} or {"type":"stop","matched":<token id>}, and
// {"type":"abort","message":...,"status_code":N,"err_type":null}.
std::string LengthFinish(int64_t max_new_tokens);
std::string StopStringFinish(std::string_view matched);
std::string StopTokenFinish(int64_t token_id);
std::string AbortFinish(std::string_view message, int status);

struct MetaInfo {
  std::string id{};
  std::string finish_reason = "null";  // one of the JSON objects above
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;
  // Seconds from arrival to the end; SGLang adds it only once finished.
  std::optional<double> e2e_latency{};
};

// {"text": <text>, "meta_info": {...}}, with "index" when the request came
// as a batch (SGLang tags each streamed output of a batch with its index).
std::string GenerateOutput(std::string_view text, const MetaInfo& meta_info,
                           std::optional<int64_t> index = std::nullopt);

// One streamed event: "data: " + GenerateOutput(...) + "\n\n".
std::string GenerateEvent(std::string_view text, const MetaInfo& meta_info,
                          std::optional<int64_t> index = std::nullopt);

// SGLang's answer to a request its tokenizer manager refuses (a ValueError):
// {"error": {"message": ...}}, sent with 400, or as a stream's last event
// before [DONE].
std::string ErrorBody(std::string_view message);

// FastAPI's 422 answer to a body that does not match the request's types:
// {"detail": [{"type", "loc": ["body", <field>], "msg", "input"}]}.
// `input_json` is the offending value as JSON.
std::string ValidationErrorBody(std::string_view field, std::string_view message,
                                std::string_view input_json);

}  // namespace tessera::sglang

#endif  // TESSERA_ENGINE_SGLANG_GENERATE_RESPONSE_H_
