// vLLM's kv_transfer_params, the request and response field of its two-step
// prefill/decode protocol (NixlConnector), as vLLM's toy proxy and llm-d
// send it:
//
//   1. to the prefill worker, with max_tokens 1:
//        {"do_remote_decode": true, "do_remote_prefill": false,
//         "remote_engine_id": null, "remote_block_ids": null,
//         "remote_host": null, "remote_port": null}
//      and it answers with where its KV blocks wait:
//        {"do_remote_prefill": true, "do_remote_decode": false,
//         "remote_block_ids": [...], "remote_engine_id": "...",
//         "remote_request_id": "...", "remote_host": "...",
//         "remote_port": 5600, "tp_size": 1}
//   2. to the decode worker: the original request with that answer as its
//      kv_transfer_params.

#ifndef TESSERA_ENGINE_OPENAI_KV_TRANSFER_PARAMS_H_
#define TESSERA_ENGINE_OPENAI_KV_TRANSFER_PARAMS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace tessera::openai {

struct KvTransferParams {
  // Prefill side: compute the prompt and keep its KV for a decode worker.
  bool do_remote_decode = false;
  // Decode side: read the prompt's KV from the prefill worker named below.
  bool do_remote_prefill = false;
  std::string remote_engine_id{};
  std::vector<int64_t> remote_block_ids{};
  // The prefill worker's own request id, which names the blocks (vLLM adds
  // it since 0.12; before, both workers derived it from the X-Request-Id
  // the proxy sent them).
  std::string remote_request_id{};
  std::string remote_host{};
  int64_t remote_port = 0;
  int64_t tp_size = 1;
};

// Reads body["kv_transfer_params"]: nullopt when absent or null. Errors are
// InvalidArgument naming the field ("kv_transfer_params.remote_block_ids:
// must be a list of block ids, got string \"7\""). With do_remote_prefill,
// remote_engine_id, remote_block_ids, remote_host and remote_port are
// required, and remote_request_id too: proxies pass on the prefill worker's
// whole answer, which has it.
StatusOr<std::optional<KvTransferParams>> ReadKvTransferParams(const nlohmann::json& body);

// The prefill worker's answer: the do_remote_prefill form above.
nlohmann::json RemotePrefillJson(const KvTransferParams& params);

}  // namespace tessera::openai

#endif  // TESSERA_ENGINE_OPENAI_KV_TRANSFER_PARAMS_H_
