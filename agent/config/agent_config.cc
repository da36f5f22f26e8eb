#include "agent/config/agent_config.h"

#include <algorithm>

#include "base/json_fields.h"
#include "base/numbers.h"
#include "base/strings.h"
#include "base/units.h"
#include "base/yaml_json.h"

namespace tessera::agent {
namespace {

using std::chrono::milliseconds;

// Reads a duration such as "500ms" or "5m" into `out` when present.
void ReadDuration(JsonFields& fields, std::string_view name, milliseconds& out) {
  std::optional<std::string> text;
  fields.Optional(name, text);
  if (!text) return;
  StatusOr<std::chrono::nanoseconds> duration = ParseDuration(*text);
  if (!duration.ok()) {
    fields.Fail(name, duration.status().message());
    return;
  }
  out = std::chrono::duration_cast<milliseconds>(*duration);
}

Status ReadSupervision(const nlohmann::json& json, SupervisionPolicy& policy) {
  JsonFields fields(json, "supervision");
  ReadDuration(fields, "readinessPeriod", policy.readiness_period);
  ReadDuration(fields, "livenessPeriod", policy.liveness_period);
  ReadDuration(fields, "probeTimeout", policy.probe_timeout);
  ReadDuration(fields, "startupTimeout", policy.startup_timeout);
  ReadDuration(fields, "backoffInitial", policy.backoff_initial);
  ReadDuration(fields, "backoffMax", policy.backoff_max);
  ReadDuration(fields, "spawnFloor", policy.spawn_floor);
  ReadDuration(fields, "backoffResetAfter", policy.backoff_reset_after);
  ReadDuration(fields, "drainPollPeriod", policy.drain_poll_period);
  ReadDuration(fields, "killTimeout", policy.kill_timeout);
  ReadDuration(fields, "defaultGrace", policy.default_grace);
  std::optional<int> threshold;
  fields.Optional("livenessFailureThreshold", threshold, 1, 1000);
  if (threshold) policy.liveness_failure_threshold = *threshold;
  std::optional<int> crash_loop;
  fields.Optional("crashLoopThreshold", crash_loop, 1, 1000);
  if (crash_loop) policy.crash_loop_threshold = *crash_loop;
  TESSERA_RETURN_IF_ERROR(fields.Finish());
  if (policy.backoff_initial > policy.backoff_max) {
    return InvalidArgumentError("supervision.backoffInitial: must not exceed backoffMax");
  }
  if (policy.readiness_period.count() <= 0 || policy.liveness_period.count() <= 0 ||
      policy.drain_poll_period.count() <= 0) {
    return InvalidArgumentError("supervision: probe and poll periods must be positive");
  }
  return OkStatus();
}

StatusOr<adapters::EngineInstallation> ReadEngine(const std::string& name,
                                                  const nlohmann::json& json) {
  JsonFields fields(json, "engines." + name);
  adapters::EngineInstallation installation{.name = name};
  std::string kind = name;
  std::string flavor = "vllm";
  std::optional<std::string> version;
  fields.Optional("kind", kind);
  fields.Optional("command", installation.command);
  fields.Optional("env", installation.env);
  fields.Optional("flavor", flavor);
  fields.Optional("version", version);
  TESSERA_RETURN_IF_ERROR(fields.Finish());
  if (version) {
    StatusOr<adapters::EngineVersion> parsed = adapters::ParseEngineVersion(*version);
    if (!parsed.ok()) return parsed.status().WithContext(fields.PathOf("version"));
    installation.version = *parsed;
  }
  StatusOr<wire::EngineKind> parsed_kind = wire::ParseEngineKind(kind);
  if (!parsed_kind.ok()) return parsed_kind.status().WithContext(fields.PathOf("kind"));
  installation.kind = *parsed_kind;
  StatusOr<wire::MetricDialect> parsed_flavor = wire::ParseMetricDialect(flavor);
  if (parsed_flavor.ok() && *parsed_flavor == wire::MetricDialect::kRouter) {
    parsed_flavor =
        InvalidArgumentError("the simulator shows vllm's or sglang's face, not " + Quote(flavor));
  }
  if (!parsed_flavor.ok()) return parsed_flavor.status().WithContext(fields.PathOf("flavor"));
  installation.sim_flavor = *parsed_flavor;
  if (installation.command.empty() || installation.command.front().empty()) {
    return InvalidArgumentError(fields.PathOf("command") +
                                ": is required: the program and its leading arguments");
  }
  return installation;
}

}  // namespace

StatusOr<AgentConfig> ParseAgentConfig(std::string_view yaml, const std::string& simulator_path,
                                       const std::string& router_path) {
  TESSERA_ASSIGN_OR_RETURN(nlohmann::json json, YamlToJson(yaml));
  if (json.is_null()) json = nlohmann::json::object();
  AgentConfig config;
  JsonFields fields(json, "");
  const nlohmann::json* engines = fields.Child("engines");
  const nlohmann::json* supervision = fields.Child("supervision");
  const nlohmann::json* logs = fields.Child("logs");
  std::optional<std::string> ports;
  fields.Optional("ports", ports);
  ReadDuration(fields, "scrapePeriod", config.scrape_period);
  ReadDuration(fields, "scrapeTimeout", config.scrape_timeout);
  TESSERA_RETURN_IF_ERROR(fields.Finish());

  if (engines != nullptr) {
    if (!engines->is_object() || engines->empty()) {
      return InvalidArgumentError("engines: must map engine names to {kind, command}");
    }
    for (const auto& [name, entry] : engines->items()) {
      TESSERA_ASSIGN_OR_RETURN(config.engines[name], ReadEngine(name, entry));
    }
  } else {
    config.engines["sim"] = {
        .name = "sim", .kind = wire::EngineKind::kSim, .command = {simulator_path}};
  }
  const bool names_a_router =
      std::any_of(config.engines.begin(), config.engines.end(),
                  [](const auto& entry) { return entry.second.kind == wire::EngineKind::kRouter; });
  if (!names_a_router) {
    const std::string name(kRouterEngineName);
    if (config.engines.contains(name)) {
      return InvalidArgumentError("engines." + name +
                                  ": the name is the router's; give this engine another name");
    }
    config.engines[name] = {
        .name = name, .kind = wire::EngineKind::kRouter, .command = {router_path}};
  }
  if (supervision != nullptr) TESSERA_RETURN_IF_ERROR(ReadSupervision(*supervision, config.policy));
  if (logs != nullptr) {
    JsonFields log_fields(*logs, "logs");
    std::optional<std::string> max_bytes;
    std::optional<int> max_files;
    log_fields.Optional("maxBytes", max_bytes);
    log_fields.Optional("maxFiles", max_files, 0, 100);
    TESSERA_RETURN_IF_ERROR(log_fields.Finish());
    if (max_bytes) {
      StatusOr<uint64_t> bytes = ParseByteSize(*max_bytes);
      if (!bytes.ok()) return bytes.status().WithContext("logs.maxBytes");
      config.log_max_bytes = static_cast<int64_t>(*bytes);
    }
    if (max_files) config.log_max_files = *max_files;
  }
  if (ports) {
    const std::string_view range = *ports;
    const size_t dash = range.find('-');
    const int first = ParseInteger<int>(range.substr(0, dash)).value_or(0);
    const int last = dash == std::string_view::npos
                         ? first
                         : ParseInteger<int>(range.substr(dash + 1)).value_or(0);
    if (first < 1 || last > 65535 || first > last) {
      return InvalidArgumentError("ports: must be a range such as 20000-29999, got " +
                                  Quote(*ports));
    }
    config.port_first = first;
    config.port_last = last;
  }
  return config;
}

}  // namespace tessera::agent
