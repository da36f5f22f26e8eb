#include "engine/simulator/kv_transfer_config.h"

#include <optional>

#include <nlohmann/json.hpp>

#include "base/json_fields.h"
#include "base/strings.h"
#include "base/yaml_json.h"

namespace tessera::simulator {

StatusOr<KvTransferConfig> ParseKvTransferConfig(std::string_view text) {
  StatusOr<nlohmann::json> parsed = ParseJson(text);
  if (!parsed.ok()) return parsed.status();
  JsonFields fields(*parsed, "");
  KvTransferConfig config;
  fields.Required("kv_connector", config.connector);
  std::optional<std::string> role;
  fields.Optional("kv_role", role);
  fields.Optional("engine_id", config.engine_id);
  // Every other field of vLLM's KVTransferConfig is accepted unmodelled, so a
  // real engine's command line runs unchanged.
  TESSERA_RETURN_IF_ERROR(fields.FinishIgnoringUnknown());
  if (config.connector != "NixlConnector") {
    return InvalidArgumentError("kv_connector: only NixlConnector is simulated, got " +
                                Quote(config.connector));
  }
  // vLLM requires a role once a connector is named.
  if (!role) return InvalidArgumentError("kv_role: is required with kv_connector");
  if (*role != "kv_both" && *role != "kv_producer" && *role != "kv_consumer") {
    return InvalidArgumentError("kv_role: must be kv_both, kv_producer or kv_consumer, got " +
                                Quote(*role));
  }
  config.role = *role;
  return config;
}

}  // namespace tessera::simulator
