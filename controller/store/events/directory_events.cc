#include "controller/store/events/directory_events.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <optional>
#include <system_error>

#include "base/file.h"
#include "base/json_fields.h"
#include "base/time_format.h"

namespace tessera::controller {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Checks one parsed line against the Event shape, so that readers (the
// printers, the dashboard) can rely on every field being there.
Status CheckEvent(const json& event, const std::string& where) {
  JsonFields fields(event, where);
  std::string text;
  for (const std::string_view name : {"deployment", "type", "reason", "message"}) {
    fields.Required(name, text);
  }
  int count = 0;
  fields.Required("count", count, 1, std::numeric_limits<int>::max());
  for (const std::string_view name : {"firstTime", "lastTime"}) {
    fields.Required(name, text);
    if (StatusOr<std::chrono::system_clock::time_point> time = ParseRfc3339(text);
        !text.empty() && !time.ok()) {
      fields.Fail(name, time.status().message());
    }
  }
  return fields.FinishIgnoringUnknown();
}

}  // namespace

fs::path DeploymentEventsPath(const fs::path& directory, const resources::ObjectKey& key) {
  return directory / (key.namespace_name + "." + key.name + std::string(kEventsFileSuffix));
}

void AddDeploymentEvent(std::vector<json>& events, const resources::ObjectKey& key,
                        const DeploymentEventRecord& event) {
  const std::string now = FormatRfc3339(event.now);
  if (!events.empty()) {
    json& newest = events.back();
    if (newest.value("type", "") == event.type && newest.value("reason", "") == event.reason &&
        newest.value("message", "") == event.message) {
      newest["count"] = newest.value("count", 1) + 1;
      newest["lastTime"] = now;
      return;
    }
  }
  events.push_back({{"deployment", key.ToString()},
                    {"type", event.type},
                    {"reason", event.reason},
                    {"message", event.message},
                    {"count", 1},
                    {"firstTime", now},
                    {"lastTime", now}});
  if (events.size() > kMaxEventsPerDeployment) {
    events.erase(events.begin(), events.begin() + static_cast<std::ptrdiff_t>(
                                                      events.size() - kMaxEventsPerDeployment));
  }
}

std::string DeploymentEventsToJsonLines(const std::vector<json>& events) {
  std::string text;
  for (const json& event : events) {
    // Messages carry what agents answered; replace rather than throw on bytes
    // that are not UTF-8.
    text += event.dump(-1, ' ', false, json::error_handler_t::replace);
    text += '\n';
  }
  return text;
}

StatusOr<std::vector<json>> ParseDeploymentEvents(std::string_view text,
                                                  std::string_view file_name) {
  std::vector<json> events;
  size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const std::string where = std::string(file_name) + ":" + std::to_string(line_number);
    json event = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (event.is_discarded()) return InvalidArgumentError(where + ": not JSON");
    TESSERA_RETURN_IF_ERROR(CheckEvent(event, where));
    events.push_back(std::move(event));
  }
  return events;
}

StatusOr<std::vector<json>> ReadDeploymentEvents(const fs::path& directory,
                                                 const resources::ObjectKey& key) {
  const fs::path path = DeploymentEventsPath(directory, key);
  StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound) return std::vector<json>();
    return text.status();
  }
  return ParseDeploymentEvents(*text, path.filename().string());
}

StatusOr<std::vector<json>> ReadAllDeploymentEvents(const fs::path& directory) {
  std::vector<fs::path> files;
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(directory, error)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(kEventsFileSuffix) && name.front() != '.' && entry.is_regular_file(error)) {
      files.push_back(entry.path());
    }
  }
  if (error) return UnavailableError("reading " + directory.string() + ": " + error.message());
  std::sort(files.begin(), files.end());
  std::vector<json> events;
  for (const fs::path& path : files) {
    StatusOr<std::string> text = ReadFile(path);
    if (!text.ok()) {
      // Removed with its manifest between the listing and the read.
      if (text.status().code() == StatusCode::kNotFound) continue;
      return text.status();
    }
    StatusOr<std::vector<json>> parsed = ParseDeploymentEvents(*text, path.filename().string());
    if (!parsed.ok()) return parsed.status();
    events.insert(events.end(), std::make_move_iterator(parsed->begin()),
                  std::make_move_iterator(parsed->end()));
  }
  // Whole-second RFC 3339 times in UTC order as text does.
  std::stable_sort(events.begin(), events.end(), [](const json& a, const json& b) {
    return a["lastTime"].get_ref<const std::string&>() <
           b["lastTime"].get_ref<const std::string&>();
  });
  return events;
}

}  // namespace tessera::controller
