// DeploymentStore over a directory of manifests: the embedded default,
// where `kubectl apply` becomes "save the file".
//
//   <dir>/*.yaml, *.yml, *.json      ModelDeployment manifests, several per
//                                    file with "---" between them
//   <dir>/<ns>.<name>.status.yaml    written by the controller: the object's
//                                    status, as `kubectl get -o yaml` shows it
//
// The directory is watched with inotify and rescanned every rescan period
// as well, so edits through any tool (editors that rename over the file,
// network file systems without inotify) are seen. Deleting a manifest
// deletes the deployment: its workers are drained and its status file
// removed.
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

#include "base/logging.h"
#include "controller/store/deployment_store.h"

namespace tessera::controller {

struct DirectoryStoreOptions {
  std::filesystem::path directory;
  std::chrono::milliseconds rescan_period{5000};
};

class DirectoryDeploymentStore final : public DeploymentStore {
 public:
  DirectoryDeploymentStore(DirectoryStoreOptions options, Logger logger);
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
  void RecordEvent(const DeploymentRecord& record, EventType type, std::string_view reason,
                   std::string_view message) override;

  // Reads the directory now and reports what changed; Start() runs it on a
  // thread. Public so tests drive it without waiting.
  Status Rescan();

  std::filesystem::path StatusPath(const resources::ObjectKey& key) const;

 private:
  struct Entry {
    DeploymentRecord record;
    std::string file;       // the manifest it came from
    std::string spec_hash;  // of the spec JSON; a change bumps the generation
  };

  void Watch();

  DirectoryStoreOptions options_;
  Logger logger_;
  std::function<void(const resources::ObjectKey&)> on_change_;
  mutable std::mutex mutex_;
  std::map<resources::ObjectKey, Entry> entries_;
  // Held from a status write's check that the manifest still exists to the
  // end of the write, and around the removal of a removed manifest's status
  // file, so that a pass that began before the removal cannot write the
  // file back after it. Taken before mutex_, never while holding it.
  std::mutex status_files_mutex_;
  std::atomic<bool> synced_{false};
  std::atomic<bool> stopping_{false};
  int inotify_fd_ = -1;
  int wake_fd_ = -1;
  std::thread watcher_;
};

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_STORE_DIRECTORY_STORE_H_
