#include "wire/worker_status.h"

#include <string_view>

#include "base/json_fields.h"
#include "base/strings.h"
#include "base/time_format.h"

namespace tessera::wire {
namespace {

using nlohmann::json;

constexpr int kMaxPort = 65535;
constexpr int kMaxCount = 1'000'000'000;

// A field that holds a name (state, metric dialect) parsed by `parse`.
template <typename T, typename Parse>
void ReadName(JsonFields& fields, std::string_view name, T& out, Parse parse, bool required) {
  std::optional<std::string> text;
  fields.Optional(name, text);
  if (!text) {
    if (required) fields.Fail(name, "is required");
    return;
  }
  StatusOr<T> parsed = parse(*text);
  if (parsed.ok()) {
    out = *parsed;
  } else {
    fields.Fail(name, parsed.status().message());
  }
}

void ReadTime(JsonFields& fields, std::string_view name,
              std::optional<std::chrono::system_clock::time_point>& out) {
  std::optional<std::string> text;
  fields.Optional(name, text);
  if (!text) return;
  StatusOr<std::chrono::system_clock::time_point> parsed = ParseRfc3339(*text);
  if (parsed.ok()) {
    out = *parsed;
  } else {
    fields.Fail(name, parsed.status().message());
  }
}

}  // namespace

bool WorkerStatus::Terminating() const {
  return state == WorkerState::kDraining || state == WorkerState::kStopping ||
         state == WorkerState::kStopped;
}

json WorkerStatusToJson(const WorkerStatus& status) {
  json body = {
      {"id", status.id},
      {"spec", WorkerSpecToJson(status.spec)},
      {"state", WorkerStateName(status.state)},
      {"stateSince", FormatRfc3339(status.state_since)},
      {"ready", status.Ready()},
      {"port", status.port},
      {"url", status.url},
      {"restarts", status.restarts},
      {"crashLoop", status.crash_loop},
      {"adopted", status.adopted},
      {"replacing", status.replacing},
      {"metricDialect", MetricDialectName(status.dialect)},
  };
  body["pid"] = status.pid == 0 ? json(nullptr) : json(status.pid);
  if (status.bootstrap_port) body["bootstrapPort"] = *status.bootstrap_port;
  if (!status.reason.empty()) body["reason"] = status.reason;
  if (status.last_exit) body["lastExit"] = *status.last_exit;
  if (status.last_failure) body["lastFailure"] = *status.last_failure;
  if (status.last_exit_code) body["lastExitCode"] = *status.last_exit_code;
  if (!status.last_output.empty()) body["lastOutput"] = status.last_output;
  if (status.startup_seconds) body["startupSeconds"] = *status.startup_seconds;
  if (status.in_flight) body["inFlightRequests"] = *status.in_flight;
  if (status.next_restart) body["nextRestart"] = FormatRfc3339(*status.next_restart);
  return body;
}

StatusOr<WorkerStatus> WorkerStatusFromJson(const json& body) {
  WorkerStatus status;
  // Errors name the worker when its id can be read at all.
  const auto id = body.is_object() ? body.find("id") : body.end();
  const std::string path = id != body.end() && id->is_string()
                               ? "worker " + Quote(id->get<std::string>())
                               : std::string("worker");
  JsonFields fields(body, path);
  fields.Required("id", status.id);
  ReadName(fields, "state", status.state, ParseWorkerState, /*required=*/true);
  std::optional<std::chrono::system_clock::time_point> state_since;
  ReadTime(fields, "stateSince", state_since);
  status.state_since = state_since.value_or(std::chrono::system_clock::time_point{});
  std::optional<int> pid;
  std::optional<int> port;
  std::optional<int> restarts;
  std::optional<bool> crash_loop;
  std::optional<bool> adopted;
  std::optional<bool> replacing;
  fields.Optional("pid", pid, 1, INT32_MAX);
  fields.Optional("port", port, 0, kMaxPort);
  fields.Optional("bootstrapPort", status.bootstrap_port, 1, kMaxPort);
  fields.Optional("url", status.url);
  fields.Optional("restarts", restarts, 0, kMaxCount);
  fields.Optional("crashLoop", crash_loop);
  fields.Optional("adopted", adopted);
  fields.Optional("replacing", replacing);
  fields.Optional("reason", status.reason);
  fields.Optional("lastExit", status.last_exit);
  fields.Optional("lastFailure", status.last_failure);
  fields.Optional("lastExitCode", status.last_exit_code, INT32_MIN, INT32_MAX);
  fields.Optional("lastOutput", status.last_output);
  fields.Optional("startupSeconds", status.startup_seconds, 0, 1e9);
  fields.Optional("inFlightRequests", status.in_flight, 0, 1e12);
  ReadTime(fields, "nextRestart", status.next_restart);
  ReadName(fields, "metricDialect", status.dialect, ParseMetricDialect, /*required=*/false);
  const json* spec = fields.Child("spec");
  if (spec == nullptr) fields.Fail("spec", "is required");
  TESSERA_RETURN_IF_ERROR(fields.FinishIgnoringUnknown());
  status.pid = pid.value_or(0);
  status.port = port.value_or(0);
  status.restarts = restarts.value_or(0);
  status.crash_loop = crash_loop.value_or(false);
  status.adopted = adopted.value_or(false);
  status.replacing = replacing.value_or(false);
  StatusOr<WorkerSpec> parsed = WorkerSpecFromJson(*spec);
  if (!parsed.ok()) return parsed.status().WithContext(path + ".spec");
  status.spec = *std::move(parsed);
  return status;
}

json WorkerListToJson(const std::vector<WorkerStatus>& workers) {
  json list = json::array();
  for (const WorkerStatus& worker : workers) list.push_back(WorkerStatusToJson(worker));
  return {{"workers", std::move(list)}};
}

StatusOr<std::vector<WorkerStatus>> WorkerListFromJson(const json& body) {
  JsonFields fields(body, "");
  const json* list = fields.Child("workers");
  TESSERA_RETURN_IF_ERROR(fields.FinishIgnoringUnknown());
  if (list == nullptr || !list->is_array()) {
    return InvalidArgumentError("workers: must be a list, got " +
                                (list == nullptr ? std::string("nothing") : DescribeJson(*list)));
  }
  std::vector<WorkerStatus> workers;
  workers.reserve(list->size());
  for (const json& entry : *list) {
    TESSERA_ASSIGN_OR_RETURN(WorkerStatus worker, WorkerStatusFromJson(entry));
    workers.push_back(std::move(worker));
  }
  return workers;
}

}  // namespace tessera::wire
