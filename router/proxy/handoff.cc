#include "router/proxy/handoff.h"

#include "base/strings.h"

namespace tessera::router {

std::string_view HandoffProtocolName(HandoffProtocol protocol) {
  return protocol == HandoffProtocol::kVllm ? "vllm" : "sglang";
}

StatusOr<HandoffProtocol> ParseHandoffProtocol(std::string_view name) {
  if (name == "sglang") return HandoffProtocol::kSglang;
  if (name == "vllm") return HandoffProtocol::kVllm;
  return InvalidArgumentError("must be sglang or vllm, got " + Quote(name));
}

std::string SglangHandoffBody(const nlohmann::json& request, std::string_view bootstrap_host,
                              std::optional<int> bootstrap_port, uint64_t bootstrap_room) {
  nlohmann::json body = request;
  body["bootstrap_host"] = bootstrap_host;
  body["bootstrap_port"] = bootstrap_port ? nlohmann::json(*bootstrap_port) : nlohmann::json();
  body["bootstrap_room"] = bootstrap_room;
  return body.dump();
}

std::string VllmPrefillBody(const nlohmann::json& request) {
  nlohmann::json body = request;
  body["kv_transfer_params"] = {{"do_remote_decode", true},    {"do_remote_prefill", false},
                                {"remote_engine_id", nullptr}, {"remote_block_ids", nullptr},
                                {"remote_host", nullptr},      {"remote_port", nullptr}};
  body["stream"] = false;
  body.erase("stream_options");
  body["max_tokens"] = 1;
  if (body.contains("max_completion_tokens")) body["max_completion_tokens"] = 1;
  return body.dump();
}

StatusOr<std::string> VllmDecodeBody(const nlohmann::json& request,
                                     std::string_view prefill_response) {
  const nlohmann::json response =
      nlohmann::json::parse(prefill_response, nullptr, /*allow_exceptions=*/false);
  const auto params = response.is_object() ? response.find("kv_transfer_params") : response.end();
  if (!response.is_object() || params == response.end() || !params->is_object()) {
    return InternalError(
        "the prefill worker's answer carries no kv_transfer_params object; is it running "
        "with --kv-transfer-config naming a KV connector?");
  }
  nlohmann::json body = request;
  body["kv_transfer_params"] = *params;
  return body.dump();
}

}  // namespace tessera::router
