// workers.json in the agent's state directory: each worker's desired spec
// and, while it runs, the identity of its process, so that a restarted agent
// adopts the processes its predecessor started instead of killing or
// duplicating them.
//
//   {"version": 1, "workers": [{"id": "w-0", "spec": {...WorkerSpec...},
//     "port": 20000, "bootstrapPort": 20001, "restarts": 0, "ready": true,
//     "stopping": false, "pid": 4242, "startTicks": 123456}]}

#ifndef TESSERA_AGENT_SUPERVISOR_WORKER_STATE_FILE_H_
#define TESSERA_AGENT_SUPERVISOR_WORKER_STATE_FILE_H_

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "agent/supervisor/process_launcher.h"
#include "base/status.h"
#include "wire/worker_spec.h"

namespace tessera::agent {

struct PersistedWorker {
  std::string id{};
  wire::WorkerSpec spec{};  // while a worker is being replaced, the next one
  int port = 0;
  std::optional<int> bootstrap_port{};
  int restarts = 0;
  bool ready = false;
  bool stopping = false;                     // deleted; to be stopped, not restarted
  std::optional<ProcessIdentity> process{};  // while it runs
};

struct WorkerStateReading {
  std::vector<PersistedWorker> workers{};
  // Records that could not be read, each error naming the worker; the rest
  // are kept.
  std::vector<Status> dropped{};
};

// An empty reading when `path` does not exist. Internal, naming the file,
// when it cannot be read or is not the agent's state file.
StatusOr<WorkerStateReading> ReadWorkerState(const std::filesystem::path& path);

// Replaces `path` atomically: a crash leaves the old state or the new.
Status WriteWorkerState(const std::filesystem::path& path,
                        const std::vector<PersistedWorker>& workers);

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_SUPERVISOR_WORKER_STATE_FILE_H_
