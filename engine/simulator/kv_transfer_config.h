// vLLM's --kv-transfer-config, the JSON that turns on a KV connector, e.g.
// '{"kv_connector":"NixlConnector","kv_role":"kv_both"}'. The simulator
// models NixlConnector only: with it a worker takes either side of vLLM's
// two-step prefill/decode protocol per request, whatever kv_role says (as
// NixlConnector does).

#ifndef TESSERA_ENGINE_SIMULATOR_KV_TRANSFER_CONFIG_H_
#define TESSERA_ENGINE_SIMULATOR_KV_TRANSFER_CONFIG_H_

#include <string>
#include <string_view>

#include "base/status.h"

namespace tessera::simulator {

struct KvTransferConfig {
  std::string connector{};  // always "NixlConnector"
  std::string role{};       // kv_both, kv_producer or kv_consumer
  // The engine's name in kv_transfer_params.remote_engine_id; empty means
  // one is made up at start, as vLLM makes up a UUID.
  std::string engine_id{};
};

// Parses the flag's JSON. vLLM's other fields (kv_buffer_device,
// kv_connector_extra_config, ...) are accepted and not modelled. Errors name
// the field: "kv_connector: only NixlConnector is simulated, got \"X\"".
StatusOr<KvTransferConfig> ParseKvTransferConfig(std::string_view text);

}  // namespace tessera::simulator

#endif  // TESSERA_ENGINE_SIMULATOR_KV_TRANSFER_CONFIG_H_
