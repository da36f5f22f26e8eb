#include "cli/up/startup_progress.h"

#include <algorithm>
#include <array>
#include <cstdio>

#include "base/strings.h"

namespace tessera::cli {
namespace {

using nlohmann::json;

std::string JoinPartitions(const json& partitions) {
  if (!partitions.is_array() || partitions.empty()) return "-";
  std::vector<std::string> parts;
  for (const json& partition : partitions) parts.push_back(partition.dump());
  return Join(parts, ",");
}

WorkerPhase PhaseOfAgentState(std::string_view state) {
  if (state == "ready") return WorkerPhase::kReady;
  if (state == "starting") return WorkerPhase::kLoading;
  if (state == "draining" || state == "stopping" || state == "stopped") {
    return WorkerPhase::kStopping;
  }
  return WorkerPhase::kStarting;  // pending, backoff, failed
}

const json* Condition(const json& status, std::string_view type) {
  if (!status.contains("conditions") || !status["conditions"].is_array()) return nullptr;
  for (const json& condition : status["conditions"]) {
    if (condition.value("type", "") == type) return &condition;
  }
  return nullptr;
}

}  // namespace

std::string_view WorkerPhaseName(WorkerPhase phase) {
  switch (phase) {
    case WorkerPhase::kPlaced:
      return "placed";
    case WorkerPhase::kStarting:
      return "starting";
    case WorkerPhase::kLoading:
      return "loading";
    case WorkerPhase::kReady:
      return "ready";
    case WorkerPhase::kStopping:
      return "stopping";
  }
  return "placed";
}

std::vector<WorkerProgress> WorkerProgressOf(const json& overview) {
  std::map<std::string, const json*> agent_workers;
  if (overview.contains("workers") && overview["workers"].is_array()) {
    for (const json& worker : overview["workers"]) {
      if (worker.contains("id")) agent_workers[worker["id"].get<std::string>()] = &worker;
    }
  }
  std::map<std::string, WorkerProgress> progress;
  // The agent's view first: it knows workers before the controller writes
  // status, and how each is doing.
  for (const auto& [id, worker] : agent_workers) {
    const json spec = worker->value("spec", json::object());
    WorkerProgress& entry = progress[id];
    entry.name = id;
    entry.deployment = spec.value("namespace", "default") + "/" + spec.value("deployment", "");
    entry.role = spec.value("role", "worker");
    entry.partitions = JoinPartitions(spec.value("partitions", json::array()));
    const std::string state = worker->value("state", "");
    entry.phase = PhaseOfAgentState(state);
    if (state == "backoff" || state == "failed") {
      entry.detail = state + ": " + worker->value("reason", worker->value("lastExit", ""));
    }
  }
  if (overview.contains("deployments") && overview["deployments"].is_array()) {
    for (const json& deployment : overview["deployments"]) {
      const json& status = deployment.contains("status") ? deployment["status"] : json();
      if (!status.is_object() || !status.contains("workers")) continue;
      for (const json& worker : status["workers"]) {
        const std::string name = worker.value("name", "");
        if (name.empty() || progress.contains(name)) continue;
        progress[name] = {.name = name,
                          .deployment = deployment.value("namespace", "default") + "/" +
                                        deployment.value("name", ""),
                          .role = worker.value("role", "worker"),
                          .partitions = JoinPartitions(worker.value("partitions", json::array())),
                          .phase = WorkerPhase::kPlaced};
        // The agent's state as the controller last saw it, until the
        // agent's own list (polled) has the worker.
        const std::string state = worker.value("state", "");
        if (!state.empty() && state != "unknown") progress[name].phase = PhaseOfAgentState(state);
      }
    }
  }
  std::vector<WorkerProgress> workers;
  workers.reserve(progress.size());
  for (auto& [name, entry] : progress) workers.push_back(std::move(entry));
  return workers;
}

std::string AwaitedBeforeServing(const json& overview) {
  if (!overview.contains("deployments") || !overview["deployments"].is_array() ||
      overview["deployments"].empty()) {
    return "a deployment";
  }
  for (const json& deployment : overview["deployments"]) {
    const std::string key =
        deployment.value("namespace", "default") + "/" + deployment.value("name", "");
    if (deployment.contains("error")) return key + ": " + deployment["error"].get<std::string>();
    const json& status = deployment.contains("status") ? deployment["status"] : json();
    if (!status.is_object() || status.value("observedGeneration", int64_t{0}) <
                                   deployment.value("generation", int64_t{1})) {
      return key + ": the controller's first pass";
    }
    const json* ready = Condition(status, "Ready");
    if (ready == nullptr || ready->value("status", "") != "True") {
      std::vector<std::string> roles;
      for (const char* role : {"worker", "prefill", "decode", "router"}) {
        if (status.contains(role)) {
          roles.push_back(std::string(role) + " " + std::to_string(status[role].value("ready", 0)) +
                          "/" + std::to_string(status[role].value("desired", 0)) + " ready");
        }
      }
      return key + ": " + (roles.empty() ? "workers" : Join(roles, ", "));
    }
    if (status.value("endpoint", "").empty()) return key + ": its endpoint";
    // The agent's own list (polled apart from status) must show them too,
    // so that what `tessera get workers` prints next agrees.
    for (const json& worker : status.value("workers", json::array())) {
      const std::string name = worker.value("name", "");
      bool listed_ready = false;
      for (const json& listed : overview.value("workers", json::array())) {
        listed_ready = listed_ready ||
                       (listed.value("id", "") == name && listed.value("state", "") == "ready");
      }
      if (!listed_ready) {
        std::string awaited = key;
        awaited.append(": the agent's report of ").append(name);
        return awaited;
      }
    }
  }
  return "";
}

StartupProgress::StartupProgress(std::ostream& out, bool terminal,
                                 std::chrono::steady_clock::time_point start)
    : out_(out), terminal_(terminal), start_(start) {}

void StartupProgress::Show(const json& overview, std::chrono::steady_clock::time_point now) {
  const std::vector<WorkerProgress> workers = WorkerProgressOf(overview);
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  std::array<char, 32> stamp{};
  std::snprintf(stamp.data(), stamp.size(), "%6.1fs", elapsed);
  auto where = [](const WorkerProgress& worker) {
    return worker.partitions == "-" ? std::string("no partition")
                                    : "partition " + worker.partitions;
  };
  size_t name_width = 0;
  size_t role_width = 0;
  size_t where_width = 0;
  for (const WorkerProgress& worker : workers) {
    name_width = std::max(name_width, worker.name.size());
    role_width = std::max(role_width, worker.role.size());
    where_width = std::max(where_width, where(worker).size());
  }
  auto padded = [](std::string text, size_t width) {
    text.resize(std::max(width, text.size()), ' ');
    return text;
  };
  auto line = [&](const WorkerProgress& worker) {
    std::string trail;
    for (WorkerPhase phase = WorkerPhase::kPlaced; phase <= worker.phase;
         phase = static_cast<WorkerPhase>(static_cast<int>(phase) + 1)) {
      if (!trail.empty()) trail += " → ";
      trail += WorkerPhaseName(phase);
    }
    std::string text = "  " + padded(worker.name, name_width) + "  " +
                       padded(worker.role, role_width) + "  " + padded(where(worker), where_width) +
                       "  " + trail;
    if (!worker.detail.empty()) text += " (" + worker.detail + ")";
    return text;
  };
  if (terminal_) {
    // Redraw the block in place: up over what was drawn, clear each line.
    if (lines_drawn_ > 0) out_ << "\x1b[" << lines_drawn_ << "F";
    for (const WorkerProgress& worker : workers) out_ << "\x1b[2K" << line(worker) << "\n";
    out_ << "\x1b[J";  // what is left of a longer block drawn before
    lines_drawn_ = workers.size();
    out_.flush();
    return;
  }
  for (const WorkerProgress& worker : workers) {
    const auto shown = shown_.find(worker.name);
    if (shown != shown_.end() && shown->second == worker.phase) continue;
    shown_[worker.name] = worker.phase;
    out_ << stamp.data() << line(worker) << "\n";
  }
  out_.flush();
}

}  // namespace tessera::cli
