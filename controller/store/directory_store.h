// DeploymentStore over a directory of manifests: the embedded default,
// where `kubectl apply` becomes "save the file".
//
//   <dir>/*.yaml, *.yml, *.json      ModelDeployment manifests, several per
//                                    file with "---" between them
//   <dir>/<ns>.<name>.status.yaml    written by the controller: the object's
//                                    status, as `kubectl get -o yaml` shows it
//   <dir>/<ns>.<name>.events.jsonl   written by the controller: its events,
//                                    newest last (events/directory_events.h)
//
// The directory is watched with inotify and rescanned every rescan period
// as well, so edits through any tool (editors that rename over the file,
// network file systems without inotify) are seen. Deleting a manifest
// deletes the deployment: its workers are drained and its status and events
// files removed.
//
// A manifest that stops parsing keeps its objects at their last good spec,
// with the error in their status, so a typo never stops a running worker.

#ifndef TESSERA_CONTROLLER_STORE_DIRECTORY_STORE_H_
#define TESSERA_CONTROLLER_STORE_DIRECTORY_STORE_H_

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/logging.h"
#include "controller/store/deployment_store.h"

namespace tessera::controller {

struct DirectoryStoreOptions {
  std::filesystem::path directory;
  std::chrono::milliseconds rescan_period{5000};
};

class DirectoryDeploymentStore final : public DeploymentStore {
 public:
  // `clock` stamps events (its wall time); it must outlive the store.
  DirectoryDeploymentStore(DirectoryStoreOptions options, Logger logger,
                           const Clock& clock = SystemClock::Default());
  ~DirectoryDeploymentStore() override;

  // Reads the directory once (an error if it cannot be read), then watches.
  Status Start(std::function<void(const resources::ObjectKey&)> on_change) override;
  void Stop() override;
  bool Synced() const override { return synced_; }
  std::vector<resources::ObjectKey> Keys() const override;
  std::optional<DeploymentRecord> Get(const resources::ObjectKey& key) const override;
  Status WriteStatus(const DeploymentRecord& record,
                     const resources::ModelDeploymentStatus& status) override;
  Status AddFinalizer(const DeploymentRecord& record) override;
  Status RemoveFinalizer(const DeploymentRecord& record) override;
  // The manifest is the only place a count lives.
  Status SyncScaleTargets(const resources::ObjectKey& /*key*/,
                          DeploymentRecord* /*record*/) override {
    return OkStatus();
  }
  // Clients outside a cluster read status.endpoint.
  Status SyncEndpoint(const resources::ObjectKey& /*key*/, const DeploymentRecord* /*record*/,
                      const std::vector<RouterAddress>& /*routers*/) override {
    return OkStatus();
  }
  // Logs the event and adds it to the deployment's events file, counting a
  // repeat of the newest one (events/directory_events.h). The file is written before
  // this returns: a small local write, as the status file's is, never the
  // network. An event about a deployment whose manifest was removed is only
  // logged, so that draining it cannot write its events file back. A write
  // that fails is logged and the event kept in memory for the next write.
  void RecordEvent(const DeploymentRecord& record, EventType type, std::string_view reason,
                   std::string_view message) override;

  // Reads the directory now and reports what changed; Start() runs it on a
  // thread. Public so tests drive it without waiting.
  Status Rescan();

  std::filesystem::path StatusPath(const resources::ObjectKey& key) const;
  std::filesystem::path EventsPath(const resources::ObjectKey& key) const;

 private:
  struct Entry {
    DeploymentRecord record;
    std::string file;       // the manifest it came from
    std::string spec_hash;  // of the spec JSON; a change bumps the generation
  };

  void Watch();

  DirectoryStoreOptions options_;
  Logger logger_;
  const Clock& clock_;
  std::function<void(const resources::ObjectKey&)> on_change_;
  mutable std::mutex mutex_;
  std::map<resources::ObjectKey, Entry> entries_;
  // Held from a status or events write's check that the manifest still
  // exists to the end of the write, and around the removal of a removed
  // manifest's status and events files, so that a pass that began before the
  // removal cannot write a file back after it. Taken before mutex_, never
  // while holding it.
  std::mutex status_files_mutex_;
  // Each deployment's events, oldest first, as its events file holds them:
  // read from the file at its first event since start, so a restart
  // continues the file. Guarded by status_files_mutex_.
  std::map<resources::ObjectKey, std::vector<nlohmann::json>> events_;
  std::atomic<bool> synced_{false};
  std::atomic<bool> stopping_{false};
  int inotify_fd_ = -1;
  int wake_fd_ = -1;
  std::thread watcher_;
};

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_STORE_DIRECTORY_STORE_H_
