#include "engine/sglang/generate_response.h"

#include <array>
#include <cstdio>

#include "base/strings.h"

namespace tessera::sglang {
namespace {

// Seconds with Python's float precision, as orjson writes them.
std::string Seconds(double seconds) {
  std::array<char, 32> text{};
  (void)std::snprintf(text.data(), text.size(), "%.17g", seconds);
  return std::string(text.data());
}

}  // namespace

std::string LengthFinish(int64_t max_new_tokens) {
  return R"({"type":"length","length":)" + std::to_string(max_new_tokens) + "}";
}

std::string StopStringFinish(std::string_view matched) {
  return R"({"type":"stop","matched":)" + JsonQuote(matched) + "}";
}

std::string StopTokenFinish(int64_t token_id) {
  return R"({"type":"stop","matched":)" + std::to_string(token_id) + "}";
}

std::string AbortFinish(std::string_view message, int status) {
  return R"({"type":"abort","message":)" + JsonQuote(message) + R"(,"status_code":)" +
         std::to_string(status) + R"(,"err_type":null})";
}

std::string GenerateOutput(std::string_view text, const MetaInfo& meta_info,
                           std::optional<int64_t> index) {
  std::string json = R"({"text":)" + JsonQuote(text) + R"(,"meta_info":{"id":)" +
                     JsonQuote(meta_info.id) + R"(,"finish_reason":)" + meta_info.finish_reason +
                     R"(,"prompt_tokens":)" + std::to_string(meta_info.prompt_tokens) +
                     R"(,"completion_tokens":)" + std::to_string(meta_info.completion_tokens) +
                     R"(,"cached_tokens":)" + std::to_string(meta_info.cached_tokens);
  if (meta_info.e2e_latency) json += R"(,"e2e_latency":)" + Seconds(*meta_info.e2e_latency);
  json += '}';
  if (index) json += R"(,"index":)" + std::to_string(*index);
  return json + "}";
}

std::string GenerateEvent(std::string_view text, const MetaInfo& meta_info,
                          std::optional<int64_t> index) {
  return "data: " + GenerateOutput(text, meta_info, index) + "\n\n";
}

std::string ErrorBody(std::string_view message) {
  return R"({"error":{"message":)" + JsonQuote(message) + "}}";
}

std::string ValidationErrorBody(std::string_view field, std::string_view message,
                                std::string_view input_json) {
  std::string location = field == "body" ? R"(["body"])" : R"(["body",)" + JsonQuote(field) + "]";
  return R"({"detail":[{"type":"value_error","loc":)" + location + R"(,"msg":)" +
         JsonQuote(message) + R"(,"input":)" + std::string(input_json) + "}]}";
}

}  // namespace tessera::sglang
