// The record of a running `tessera up` (<state>/up.json): its own process,
// the agent's and the controller's, and where its API listens. Commands in
// other terminals find the instance through it; the next `up` uses it to
// tell a live instance from the leftovers of one that was killed.

#ifndef TESSERA_CLI_UP_UP_INSTANCE_H_
#define TESSERA_CLI_UP_UP_INSTANCE_H_

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/process.h"
#include "base/status.h"

namespace tessera::cli {

struct UpInstance {
  ProcessIdentity up{};
  ProcessIdentity agent{};
  ProcessIdentity controller{};
  std::string api_url{};    // http://127.0.0.1:8480
  std::string agent_url{};  // http://127.0.0.1:8481
  std::string gpu_backend{};
  std::string started_at{};  // RFC 3339
};

nlohmann::json UpInstanceToJson(const UpInstance& instance);
StatusOr<UpInstance> UpInstanceFromJson(const nlohmann::json& json);

// NotFound when there is no record.
StatusOr<UpInstance> ReadUpInstance(const std::filesystem::path& path);
Status WriteUpInstance(const std::filesystem::path& path, const UpInstance& instance);

// The instance whose `tessera up` process is alive, or nullopt (no record,
// or the process that wrote it is gone).
std::optional<UpInstance> FindRunningInstance(const std::filesystem::path& path);

}  // namespace tessera::cli

#endif  // TESSERA_CLI_UP_UP_INSTANCE_H_
