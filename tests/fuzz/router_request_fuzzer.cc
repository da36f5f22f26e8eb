// libFuzzer target over what the router reads from the network before any
// worker sees it: client request bodies for both OpenAI endpoints, the
// admin membership document, and a prefill worker's answer in vLLM's
// hand-off. Any input must give a value or an error the client can act on,
// never a crash; an accepted request must yield hand-off bodies that parse.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "router/pool/membership.h"
#include "router/proxy/handoff.h"
#include "router/proxy/routed_request.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

void Route(std::string_view text, tessera::openai::Endpoint endpoint) {
  static const std::vector<std::string> kServed{"llama-3.1-8b", "served"};
  auto read = tessera::router::ReadRoutedRequest(text, endpoint, kServed);
  if (const auto* error = std::get_if<tessera::router::ClientError>(&read)) {
    Check(!error->message.empty() && (error->status == 400 || error->status == 404));
    return;
  }
  const auto& request = std::get<tessera::router::RoutedRequest>(read);
  Check(request.model == kServed[0] || request.model == kServed[1]);
  Check(request.body.is_object());
  const auto sglang = nlohmann::json::parse(
      tessera::router::SglangHandoffBody(request.body, "10.0.0.1", 8998, 7), nullptr, false);
  Check(sglang.is_object() && sglang["bootstrap_room"] == 7);
  const auto prefill =
      nlohmann::json::parse(tessera::router::VllmPrefillBody(request.body), nullptr, false);
  Check(prefill.is_object() && prefill["max_tokens"] == 1 && prefill["stream"] == false);
  // The input as a prefill worker's answer too.
  tessera::StatusOr<std::string> decode = tessera::router::VllmDecodeBody(request.body, text);
  if (decode.ok()) Check(nlohmann::json::parse(*decode, nullptr, false).is_object());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Route(text, tessera::openai::Endpoint::kCompletions);
  Route(text, tessera::openai::Endpoint::kChatCompletions);
  tessera::StatusOr<std::vector<tessera::router::WorkerEndpoint>> members =
      tessera::router::ParseMembership(text);
  if (!members.ok()) Check(!members.status().message().empty());
  return 0;
}
