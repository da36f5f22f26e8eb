// What `tessera up` shows while a deployment comes up: one line per worker
// as it goes placed → starting → loading → ready, read from the API's
// overview (docs/up-api.md), and when the deployments serve.
//
// The phases, from the controller's status and the agent's worker state:
//   placed    the controller chose its partitions; the agent has not taken it yet
//   starting  the agent has it and is spawning it (or waiting out a backoff)
//   loading   the engine process runs and is loading the model, not yet healthy
//   ready     the engine answers its health check
//   stopping  it is being drained or stopped

#ifndef TESSERA_CLI_UP_STARTUP_PROGRESS_H_
#define TESSERA_CLI_UP_STARTUP_PROGRESS_H_

#include <chrono>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tessera::cli {

enum class WorkerPhase { kPlaced, kStarting, kLoading, kReady, kStopping };
std::string_view WorkerPhaseName(WorkerPhase phase);

struct WorkerProgress {
  std::string name{};
  std::string deployment{};  // namespace/name
  std::string role{};
  std::string partitions{};  // "0", "0,1", "-" for a router
  WorkerPhase phase = WorkerPhase::kPlaced;
  std::string detail{};  // why it is not progressing: a backoff's reason
};

// Every worker of every deployment in `overview`, by name.
std::vector<WorkerProgress> WorkerProgressOf(const nlohmann::json& overview);

// Empty when every deployment serves: the controller has seen its current
// spec, it is Ready and it has an endpoint. Otherwise what is awaited,
// e.g. "default/llama-8b: decode 1/2 ready".
std::string AwaitedBeforeServing(const nlohmann::json& overview);

// Prints progress as it changes. On a terminal the block of worker lines is
// redrawn in place; elsewhere (a log, a pipe) each change is one new line.
class StartupProgress {
 public:
  StartupProgress(std::ostream& out, bool terminal, std::chrono::steady_clock::time_point start);

  void Show(const nlohmann::json& overview, std::chrono::steady_clock::time_point now);

 private:
  std::ostream& out_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_;
  std::map<std::string, WorkerPhase> shown_{};
  size_t lines_drawn_ = 0;
};

}  // namespace tessera::cli

#endif  // TESSERA_CLI_UP_STARTUP_PROGRESS_H_
