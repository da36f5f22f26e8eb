// SGLang's native POST /generate request (GenerateReqInput, as of SGLang
// 0.4.6): the part an engine acts on, read with SGLang's own split between
// a body that does not match the request's types (FastAPI answers 422 with
// a "detail" list) and values SGLang's tokenizer manager refuses (400 with
// {"error": {"message"}}).

#ifndef TESSERA_ENGINE_SGLANG_GENERATE_REQUEST_H_
#define TESSERA_ENGINE_SGLANG_GENERATE_REQUEST_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "engine/openai/completion_request.h"

namespace tessera::sglang {

// SGLang's default max_new_tokens (SamplingParams).
inline constexpr int64_t kDefaultMaxNewTokens = 128;

struct GenerateRequest {
  // The prompt as text, or as token ids; SGLang takes input_ids when both
  // are given.
  std::optional<std::string> text;
  std::optional<std::vector<int64_t>> input_ids;
  // The prompt came as a list (a batch, here of one): SGLang answers a list
  // and tags each streamed chunk with its "index".
  bool batch = false;
  std::optional<std::string> rid;  // the request id the client chose
  // sampling_params.max_new_tokens as sent; nullopt means SGLang's default,
  // and an explicit null the rest of the context.
  std::optional<int64_t> max_new_tokens;
  bool max_new_tokens_unbounded = false;
  double temperature = 1.0;
  bool ignore_eos = false;
  std::vector<std::string> stop;
  bool stream = false;
  std::optional<openai::Bootstrap> bootstrap;
};

// A body that does not match GenerateReqInput's field types: what FastAPI
// refuses with 422 before SGLang sees the request. The field names the one at
// fault ("text", "sampling_params"); the message says why.
struct SchemaError {
  std::string field;
  std::string message;
};

// nullopt when `body` is an object whose fields have GenerateReqInput's
// types (text a string or a list of strings, input_ids a list of ints or of
// lists of ints, sampling_params an object or a list of objects, stream a
// boolean, rid a string or a list of strings).
std::optional<SchemaError> CheckGenerateSchema(const nlohmann::json& body);

// Reads a body that passed CheckGenerateSchema(). Errors are InvalidArgument
// with SGLang's own message where it has one ("Either text, input_ids or
// input_embeds should be provided.", "temperature must be non-negative, got
// -1.0."), answered 400. A batch of more than one prompt, n > 1 and
// max_new_tokens 0 are refused by name: the simulator runs one sequence of
// at least one token per request.
StatusOr<GenerateRequest> ParseGenerateRequest(const nlohmann::json& body);

}  // namespace tessera::sglang

#endif  // TESSERA_ENGINE_SGLANG_GENERATE_REQUEST_H_
