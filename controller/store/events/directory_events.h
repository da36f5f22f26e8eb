// The directory store's events: what the controller recorded about each
// deployment, kept beside its manifests so that `tessera describe` and the
// dashboard can show them without a Kubernetes API.
//
//   <dir>/<namespace>.<name>.events.jsonl
//
// One JSON object per line, oldest first, in docs/up-api.md's Event shape:
//
//   {"count":1,"deployment":"default/llama-8b","firstTime":"2026-12-05T06:02:04Z",
//    "lastTime":"2026-12-05T06:02:04Z","message":"...","reason":"WorkerCreated",
//    "type":"Normal"}
//
// The suffix is not a manifest's (the store reads *.yaml, *.yml and *.json),
// so the store's scan never takes an events file for a manifest. This
// library holds no state and links only base and resources, so `tessera up`
// can read events without linking the controller.

#ifndef TESSERA_CONTROLLER_STORE_EVENTS_DIRECTORY_EVENTS_H_
#define TESSERA_CONTROLLER_STORE_EVENTS_DIRECTORY_EVENTS_H_

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "resources/object_meta.h"

namespace tessera::controller {

inline constexpr std::string_view kEventsFileSuffix = ".events.jsonl";

// The newest events a deployment's file keeps; older ones are dropped, as a
// Kubernetes API server expires events instead of keeping them forever.
inline constexpr size_t kMaxEventsPerDeployment = 100;

std::filesystem::path DeploymentEventsPath(const std::filesystem::path& directory,
                                           const resources::ObjectKey& key);

// What the controller says happened, at `now` (wall time).
struct DeploymentEventRecord {
  std::string_view type;  // "Normal" or "Warning"
  std::string_view reason;
  std::string_view message;
  std::chrono::system_clock::time_point now{};
};

// Adds `event` to `events` (a deployment's events, oldest first) as
// Kubernetes' event correlator does: a repeat of the newest event (same type,
// reason and message) increments its count and moves its lastTime to
// `event.now` instead of adding an entry. Then drops the oldest entries
// beyond kMaxEventsPerDeployment.
void AddDeploymentEvent(std::vector<nlohmann::json>& events, const resources::ObjectKey& key,
                        const DeploymentEventRecord& event);

// The file's contents for `events`: one compact JSON object per line, each
// line ending in "\n"; empty for no events.
std::string DeploymentEventsToJsonLines(const std::vector<nlohmann::json>& events);

// Reads one events file's text, oldest first. Blank lines are skipped.
// InvalidArgument names `file_name` and the line when a line is not an
// Event (not JSON, not an object, or a field missing or of the wrong type).
StatusOr<std::vector<nlohmann::json>> ParseDeploymentEvents(std::string_view text,
                                                            std::string_view file_name);

// The events of deployment `key` in `directory`, oldest first: empty when it
// has none (no file). Unavailable when the file cannot be read;
// InvalidArgument as ParseDeploymentEvents.
StatusOr<std::vector<nlohmann::json>> ReadDeploymentEvents(const std::filesystem::path& directory,
                                                           const resources::ObjectKey& key);

// Every deployment's events in `directory`, merged oldest first (by
// lastTime; events of the same second keep their file's order, files taken
// in name order). Unavailable when the directory or a file cannot be read;
// InvalidArgument as ParseDeploymentEvents: a file edited by hand into
// something else is reported rather than silently left out.
StatusOr<std::vector<nlohmann::json>> ReadAllDeploymentEvents(
    const std::filesystem::path& directory);

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_STORE_EVENTS_DIRECTORY_EVENTS_H_
