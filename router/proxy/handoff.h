// The two prefill→decode hand-off protocols the router speaks, as request
// bodies:
//
//  - SGLang's bootstrap protocol: the same request goes to a prefill and a
//    decode worker at once, both carrying bootstrap_host / bootstrap_port /
//    bootstrap_room; the decode worker fetches the KV cache from the prefill
//    worker's bootstrap server and streams the answer (the prefill's answer
//    is read and dropped).
//  - vLLM's two-step protocol (NixlConnector): first the prefill worker gets
//    the request with kv_transfer_params.do_remote_decode, max_tokens 1 and
//    no streaming, and answers with the kv_transfer_params that locate its
//    KV blocks; then the decode worker gets the original request with those
//    parameters, pulls the blocks and streams the answer.

#ifndef TESSERA_ROUTER_PROXY_HANDOFF_H_
#define TESSERA_ROUTER_PROXY_HANDOFF_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace tessera::router {

enum class HandoffProtocol { kSglang, kVllm };

// "sglang", "vllm".
std::string_view HandoffProtocolName(HandoffProtocol protocol);
StatusOr<HandoffProtocol> ParseHandoffProtocol(std::string_view name);

// SGLang's body for both workers of a pair. `bootstrap_port` null means the
// decode worker uses its own default, as SGLang does.
std::string SglangHandoffBody(const nlohmann::json& request, std::string_view bootstrap_host,
                              std::optional<int> bootstrap_port, uint64_t bootstrap_room);

// vLLM's first step: the body for the prefill worker.
std::string VllmPrefillBody(const nlohmann::json& request);

// vLLM's second step: the body for the decode worker, given the prefill
// worker's response. Internal error when the response does not carry
// kv_transfer_params (the worker was not started with a KV connector).
StatusOr<std::string> VllmDecodeBody(const nlohmann::json& request,
                                     std::string_view prefill_response);

}  // namespace tessera::router

#endif  // TESSERA_ROUTER_PROXY_HANDOFF_H_
