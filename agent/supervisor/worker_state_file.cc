#include "agent/supervisor/worker_state_file.h"

#include <system_error>

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "base/strings.h"

namespace tessera::agent {
namespace {

constexpr int kStateVersion = 1;

StatusOr<PersistedWorker> WorkerFromJson(const nlohmann::json& record) {
  PersistedWorker worker{.id = record.value("id", "")};
  const std::string where = "worker " + Quote(worker.id);
  StatusOr<wire::WorkerSpec> spec =
      wire::WorkerSpecFromJson(record.value("spec", nlohmann::json()));
  if (!spec.ok()) return spec.status().WithContext(where);
  worker.spec = *std::move(spec);
  worker.port = record.value("port", 0);
  if (record.contains("bootstrapPort")) worker.bootstrap_port = record["bootstrapPort"].get<int>();
  worker.restarts = record.value("restarts", 0);
  worker.ready = record.value("ready", false);
  worker.stopping = record.value("stopping", false);
  if (record.contains("pid")) {
    worker.process = ProcessIdentity{.pid = record.value("pid", 0),
                                     .start_ticks = record.value("startTicks", uint64_t{0})};
  }
  return worker;
}

}  // namespace

StatusOr<WorkerStateReading> ReadWorkerState(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return WorkerStateReading{};
  TESSERA_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  nlohmann::json state = nlohmann::json::parse(text, nullptr, false);
  if (state.is_discarded() || !state.is_object() || !state.contains("workers")) {
    return InternalError("cannot read " + path.string() +
                         ": not the agent's state file; move it aside to start empty");
  }
  WorkerStateReading reading;
  for (const nlohmann::json& record : state["workers"]) {
    StatusOr<PersistedWorker> worker = InternalError("not an object");
    if (record.is_object()) {
      // A field of the wrong type makes nlohmann::json throw.
      try {
        worker = WorkerFromJson(record);
      } catch (const nlohmann::json::exception& exception) {
        worker = InternalError("worker " + Quote(record.value("id", "")) + ": " + exception.what());
      }
    }
    if (worker.ok()) {
      reading.workers.push_back(*std::move(worker));
    } else {
      reading.dropped.push_back(worker.status());
    }
  }
  return reading;
}

Status WriteWorkerState(const std::filesystem::path& path,
                        const std::vector<PersistedWorker>& workers) {
  nlohmann::json records = nlohmann::json::array();
  for (const PersistedWorker& worker : workers) {
    nlohmann::json record = {
        {"id", worker.id},       {"spec", wire::WorkerSpecToJson(worker.spec)},
        {"port", worker.port},   {"restarts", worker.restarts},
        {"ready", worker.ready}, {"stopping", worker.stopping},
    };
    if (worker.bootstrap_port) record["bootstrapPort"] = *worker.bootstrap_port;
    if (worker.process) {
      record["pid"] = worker.process->pid;
      record["startTicks"] = worker.process->start_ticks;
    }
    records.push_back(std::move(record));
  }
  const nlohmann::json state = {{"version", kStateVersion}, {"workers", std::move(records)}};
  return WriteFileAtomically(path, state.dump(1));
}

}  // namespace tessera::agent
