#include "cli/up/up_instance.h"

#include "base/file.h"
#include "base/json_fields.h"
#include "base/yaml_json.h"

namespace tessera::cli {
namespace {

nlohmann::json IdentityToJson(const ProcessIdentity& identity) {
  return {{"pid", identity.pid}, {"startTicks", identity.start_ticks}};
}

ProcessIdentity IdentityFromJson(const nlohmann::json& json) {
  ProcessIdentity identity;
  if (!json.is_object()) return identity;
  identity.pid = json.value("pid", 0);
  identity.start_ticks = json.value("startTicks", uint64_t{0});
  return identity;
}

}  // namespace

nlohmann::json UpInstanceToJson(const UpInstance& instance) {
  return {{"up", IdentityToJson(instance.up)},
          {"agent", IdentityToJson(instance.agent)},
          {"controller", IdentityToJson(instance.controller)},
          {"apiUrl", instance.api_url},
          {"agentUrl", instance.agent_url},
          {"gpuBackend", instance.gpu_backend},
          {"startedAt", instance.started_at}};
}

StatusOr<UpInstance> UpInstanceFromJson(const nlohmann::json& json) {
  if (!json.is_object()) return InvalidArgumentError("not a JSON object");
  UpInstance instance;
  instance.up = IdentityFromJson(json.value("up", nlohmann::json()));
  instance.agent = IdentityFromJson(json.value("agent", nlohmann::json()));
  instance.controller = IdentityFromJson(json.value("controller", nlohmann::json()));
  instance.api_url = json.value("apiUrl", "");
  instance.agent_url = json.value("agentUrl", "");
  instance.gpu_backend = json.value("gpuBackend", "");
  instance.started_at = json.value("startedAt", "");
  if (instance.up.pid <= 0 || instance.api_url.empty()) {
    return InvalidArgumentError("up.pid and apiUrl are required");
  }
  return instance;
}

StatusOr<UpInstance> ReadUpInstance(const std::filesystem::path& path) {
  TESSERA_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  TESSERA_ASSIGN_OR_RETURN(nlohmann::json json, ParseJson(text));
  StatusOr<UpInstance> instance = UpInstanceFromJson(json);
  if (!instance.ok()) return instance.status().WithContext(path.string());
  return instance;
}

Status WriteUpInstance(const std::filesystem::path& path, const UpInstance& instance) {
  return WriteFileAtomically(path, UpInstanceToJson(instance).dump(2) + "\n");
}

std::optional<UpInstance> FindRunningInstance(const std::filesystem::path& path) {
  StatusOr<UpInstance> instance = ReadUpInstance(path);
  if (!instance.ok() || !IsAlive(instance->up)) return std::nullopt;
  return *instance;
}

}  // namespace tessera::cli
