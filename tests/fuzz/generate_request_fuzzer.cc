// libFuzzer target over what the simulator reads from SGLang's /generate:
// any body must be refused with a schema error naming a field or a value
// error with a message, or give a request whose answer is JSON that parses,
// never a crash.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/sglang/generate_request.h"
#include "engine/sglang/generate_response.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const nlohmann::json body = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return 0;
  if (const std::optional<tessera::sglang::SchemaError> error =
          tessera::sglang::CheckGenerateSchema(body)) {
    Check(!error->field.empty() && !error->message.empty());
    return 0;
  }
  const tessera::StatusOr<tessera::sglang::GenerateRequest> request =
      tessera::sglang::ParseGenerateRequest(body);
  if (!request.ok()) {
    Check(!request.status().message().empty());
    return 0;
  }
  Check(request->text.has_value() || request->input_ids.has_value());
  Check(!request->max_new_tokens || *request->max_new_tokens >= 1);
  const std::string output = tessera::sglang::GenerateOutput(
      request->text.value_or(""),
      {.id = request->rid.value_or("r"),
       .finish_reason = request->stop.empty()
                            ? tessera::sglang::LengthFinish(request->max_new_tokens.value_or(1))
                            : tessera::sglang::StopStringFinish(request->stop.front()),
       .e2e_latency = 0.5});
  Check(!nlohmann::json::parse(output, nullptr, false).is_discarded());
  return 0;
}
