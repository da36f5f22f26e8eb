#include "controller/store/directory_store.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <set>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "base/file.h"
#include "base/fnv1a.h"
#include "base/json_to_yaml.h"
#include "base/strings.h"
#include "base/yaml_json.h"
#include "controller/store/events/directory_events.h"

namespace tessera::controller {
namespace {

namespace fs = std::filesystem;
using resources::ObjectKey;

constexpr std::string_view kStatusSuffix = ".status.yaml";
constexpr std::string_view kSpecHashAnnotation = "serving.tessera.io/spec-hash";

bool IsManifest(const fs::path& path) {
  const std::string name = path.filename().string();
  if (name.empty() || name.front() == '.' || name.back() == '~' || name.ends_with(kStatusSuffix)) {
    return false;
  }
  const std::string extension = path.extension().string();
  return extension == ".yaml" || extension == ".yml" || extension == ".json";
}

std::string SpecHash(const resources::ModelDeploymentSpec& spec) {
  const uint64_t hash = Fnv1a64(resources::ModelDeploymentSpecToJson(spec).dump());
  std::array<char, 17> text{};
  std::snprintf(text.data(), text.size(), "%016llx",
                static_cast<unsigned long long>(hash));  // NOLINT(google-runtime-int)
  return text.data();
}

bool SameRecord(const DeploymentRecord& a, const DeploymentRecord& b) {
  return a.spec == b.spec && a.error == b.error && a.metadata.generation == b.metadata.generation &&
         a.metadata.labels == b.metadata.labels;
}

}  // namespace

DirectoryDeploymentStore::DirectoryDeploymentStore(DirectoryStoreOptions options, Logger logger,
                                                   const Clock& clock)
    : options_(std::move(options)), logger_(std::move(logger)), clock_(clock) {}

DirectoryDeploymentStore::~DirectoryDeploymentStore() { Stop(); }

fs::path DirectoryDeploymentStore::StatusPath(const ObjectKey& key) const {
  return options_.directory / (key.namespace_name + "." + key.name + std::string(kStatusSuffix));
}

fs::path DirectoryDeploymentStore::EventsPath(const ObjectKey& key) const {
  return DeploymentEventsPath(options_.directory, key);
}

Status DirectoryDeploymentStore::Start(std::function<void(const ObjectKey&)> on_change) {
  on_change_ = std::move(on_change);
  std::error_code error;
  if (!fs::is_directory(options_.directory, error)) {
    return InvalidArgumentError("--manifests: " + Quote(options_.directory.string()) +
                                " is not a directory");
  }
  TESSERA_RETURN_IF_ERROR(Rescan());
  inotify_fd_ = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (inotify_fd_ >= 0 &&
      inotify_add_watch(inotify_fd_, options_.directory.c_str(),
                        IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE) < 0) {
    logger_.Warning("cannot watch the manifest directory; rescanning periodically only",
                    {{"directory", options_.directory.string()}});
  }
  watcher_ = std::thread([this] { Watch(); });
  return OkStatus();
}

void DirectoryDeploymentStore::Stop() {
  if (!watcher_.joinable()) return;
  stopping_ = true;
  const uint64_t one = 1;
  (void)write(wake_fd_, &one, sizeof(one));
  watcher_.join();
  close(inotify_fd_);
  close(wake_fd_);
}

void DirectoryDeploymentStore::Watch() {
  std::array<pollfd, 2> fds{pollfd{.fd = inotify_fd_, .events = POLLIN, .revents = 0},
                            pollfd{.fd = wake_fd_, .events = POLLIN, .revents = 0}};
  std::array<char, 4096> buffer{};
  while (!stopping_) {
    const int ready =
        poll(fds.data(), fds.size(), static_cast<int>(options_.rescan_period.count()));
    if (stopping_) break;
    if (ready > 0 && (fds[0].revents & POLLIN) != 0) {
      while (read(inotify_fd_, buffer.data(), buffer.size()) > 0) {
      }
    }
    if (Status scanned = Rescan(); !scanned.ok()) {
      logger_.Error("cannot read the manifest directory", {{"error", scanned}});
    }
  }
}

Status DirectoryDeploymentStore::Rescan() {
  std::vector<fs::path> files;
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(options_.directory, error)) {
    if (entry.is_regular_file(error) && IsManifest(entry.path())) files.push_back(entry.path());
  }
  if (error) {
    return UnavailableError("reading " + options_.directory.string() + ": " + error.message());
  }
  std::sort(files.begin(), files.end());

  std::vector<ObjectKey> changed;
  std::vector<ObjectKey> removed;
  {
    const std::scoped_lock lock(mutex_);
    std::map<ObjectKey, Entry> next;
    for (const fs::path& path : files) {
      const std::string file = path.filename().string();
      StatusOr<std::string> text = ReadFile(path);
      StatusOr<std::vector<nlohmann::json>> documents =
          text.ok() ? YamlDocumentsToJson(*text)
                    : StatusOr<std::vector<nlohmann::json>>(text.status());
      if (!documents.ok()) {
        // Keep what this file held, at its last good spec.
        const Status file_error = documents.status().WithContext(file);
        for (const auto& [key, entry] : entries_) {
          if (entry.file != file) continue;
          Entry kept = entry;
          kept.record.error = file_error;
          next.emplace(key, std::move(kept));
        }
        if (documents.status().code() != StatusCode::kNotFound) {
          logger_.Warning("manifest not read", {{"error", file_error}});
        }
        continue;
      }
      for (size_t index = 0; index < documents->size(); ++index) {
        const nlohmann::json& document = (*documents)[index];
        const std::string where =
            file + (documents->size() > 1 ? " document " + std::to_string(index + 1) : "");
        if (document.is_object() && document.contains("kind") &&
            document["kind"] != resources::kModelDeploymentKind) {
          logger_.Warning("manifest kind is not read from a directory",
                          {{"file", where}, {"kind", document["kind"].dump()}});
          continue;
        }
        StatusOr<resources::ModelDeployment> parsed = resources::ModelDeploymentFromJson(document);
        StatusOr<resources::ObjectMeta> metadata =
            parsed.ok() ? parsed->metadata : resources::ObjectMetaFromJson(document);
        if (!metadata.ok()) {
          logger_.Warning("manifest not read", {{"error", parsed.status().WithContext(where)}});
          continue;
        }
        if (metadata->namespace_name.empty()) metadata->namespace_name = "default";
        const ObjectKey key = metadata->key();
        if (const auto duplicate = next.find(key); duplicate != next.end()) {
          logger_.Warning("deployment defined twice; the first wins",
                          {{"deployment", key.ToString()},
                           {"first", duplicate->second.file},
                           {"second", where}});
          continue;
        }
        const auto previous = entries_.find(key);
        Entry entry;
        entry.file = file;
        if (parsed.ok()) {
          entry.spec_hash = SpecHash(parsed->spec);
          entry.record.metadata = parsed->metadata;
          entry.record.spec = parsed->spec;
          if (previous != entries_.end()) {
            entry.record.status = previous->second.record.status;
            entry.record.metadata.generation =
                previous->second.record.metadata.generation +
                (previous->second.spec_hash == entry.spec_hash ? 0 : 1);
          } else {
            // First sight since start: resume the generation the status
            // file recorded, so a restart is not mistaken for an edit.
            entry.record.metadata.generation = 1;
            StatusOr<std::string> saved = ReadFile(StatusPath(key));
            StatusOr<nlohmann::json> object =
                saved.ok() ? YamlToJson(*saved) : StatusOr<nlohmann::json>(saved.status());
            if (object.ok() && object->is_object()) {
              StatusOr<resources::ObjectMeta> saved_meta = resources::ObjectMetaFromJson(*object);
              if (saved_meta.ok()) {
                const auto hash = saved_meta->annotations.find(std::string(kSpecHashAnnotation));
                const bool same =
                    hash != saved_meta->annotations.end() && hash->second == entry.spec_hash;
                entry.record.metadata.generation =
                    std::max<int64_t>(1, saved_meta->generation + (same ? 0 : 1));
              }
              if (object->contains("status")) {
                entry.record.status = resources::ModelDeploymentStatusFromJson((*object)["status"]);
              }
            }
          }
        } else {
          const Status document_error = parsed.status().WithContext(where);
          logger_.Warning("manifest not read", {{"error", document_error}});
          if (previous != entries_.end()) {
            entry = previous->second;
          } else {
            entry.record.metadata = *metadata;
            entry.record.metadata.generation = 1;
          }
          entry.file = file;
          entry.record.error = document_error;
        }
        next.emplace(key, std::move(entry));
      }
    }
    for (const auto& [key, entry] : next) {
      const auto previous = entries_.find(key);
      if (previous == entries_.end() || !SameRecord(previous->second.record, entry.record)) {
        changed.push_back(key);
      }
    }
    for (const auto& [key, entry] : entries_) {
      if (!next.contains(key)) removed.push_back(key);
    }
    entries_ = std::move(next);
  }
  for (const ObjectKey& key : removed) {
    std::error_code ignored;
    const std::scoped_lock status_files(status_files_mutex_);
    fs::remove(StatusPath(key), ignored);
    fs::remove(EventsPath(key), ignored);
    events_.erase(key);
    logger_.Info("deployment's manifest removed", {{"deployment", key.ToString()}});
  }
  synced_ = true;
  if (on_change_) {
    for (const ObjectKey& key : changed) on_change_(key);
    for (const ObjectKey& key : removed) on_change_(key);
  }
  return OkStatus();
}

std::vector<ObjectKey> DirectoryDeploymentStore::Keys() const {
  const std::scoped_lock lock(mutex_);
  std::vector<ObjectKey> keys;
  keys.reserve(entries_.size());
  for (const auto& [key, entry] : entries_) keys.push_back(key);
  return keys;
}

std::optional<DeploymentRecord> DirectoryDeploymentStore::Get(const ObjectKey& key) const {
  const std::scoped_lock lock(mutex_);
  const auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second.record;
}

Status DirectoryDeploymentStore::WriteStatus(const DeploymentRecord& record,
                                             const resources::ModelDeploymentStatus& status) {
  const ObjectKey key = record.metadata.key();
  const std::scoped_lock status_files(status_files_mutex_);
  std::string spec_hash;
  {
    const std::scoped_lock lock(mutex_);
    const auto it = entries_.find(key);
    if (it == entries_.end()) return AbortedError(key.ToString() + ": the manifest was removed");
    if (it->second.record.metadata.generation != record.metadata.generation) {
      return AbortedError(key.ToString() + ": the manifest changed; the next pass writes status");
    }
    it->second.record.status = status;
    spec_hash = it->second.spec_hash;
  }
  nlohmann::ordered_json object;
  object["apiVersion"] = resources::kApiVersion;
  object["kind"] = resources::kModelDeploymentKind;
  object["metadata"] = {{"name", key.name},
                        {"namespace", key.namespace_name},
                        {"generation", record.metadata.generation},
                        {"annotations", {{kSpecHashAnnotation, spec_hash}}}};
  object["status"] =
      nlohmann::ordered_json::parse(resources::ModelDeploymentStatusToJson(status).dump());
  const std::string text =
      "# Written by tessera-controller: the status of a deployment in this directory.\n"
      "# Edit the manifest, not this file.\n" +
      JsonToYaml(object);
  return WriteFileAtomically(StatusPath(key), text);
}

Status DirectoryDeploymentStore::AddFinalizer(const DeploymentRecord& /*record*/) {
  // Deleting the file is the deletion; there is nothing to hold back.
  return OkStatus();
}

Status DirectoryDeploymentStore::RemoveFinalizer(const DeploymentRecord& /*record*/) {
  return OkStatus();
}

void DirectoryDeploymentStore::RecordEvent(const DeploymentRecord& record, EventType type,
                                           std::string_view reason, std::string_view message) {
  const ObjectKey key = record.metadata.key();
  logger_.Log(type == EventType::kWarning ? LogLevel::kWarning : LogLevel::kInfo, "event",
              {{"deployment", key.ToString()}, {"reason", reason}, {"message", message}});
  const std::scoped_lock status_files(status_files_mutex_);
  {
    const std::scoped_lock lock(mutex_);
    if (!entries_.contains(key)) return;
  }
  auto [events, first] = events_.try_emplace(key);
  if (first) {
    StatusOr<std::vector<nlohmann::json>> saved = ReadDeploymentEvents(options_.directory, key);
    if (saved.ok()) {
      events->second = *std::move(saved);
    } else {
      logger_.Warning("events file not read; starting it anew", {{"error", saved.status()}});
    }
  }
  AddDeploymentEvent(events->second, key,
                     {.type = type == EventType::kWarning ? "Warning" : "Normal",
                      .reason = reason,
                      .message = message,
                      .now = clock_.WallNow()});
  if (Status written =
          WriteFileAtomically(EventsPath(key), DeploymentEventsToJsonLines(events->second));
      !written.ok()) {
    logger_.Warning("events file not written", {{"error", written}});
  }
}

}  // namespace tessera::controller
