// A tessera-engine-sim child process for the capacity benchmark, pinned to
// a CPU, with its log in a temporary file from which its port and maximum
// concurrency are read. Killed when the object goes, and by the kernel if
// this process dies first.

#ifndef TESSERA_BENCHMARKS_ENGINE_SIM_CAPACITY_SIMULATOR_PROCESS_H_
#define TESSERA_BENCHMARKS_ENGINE_SIM_CAPACITY_SIMULATOR_PROCESS_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <sys/types.h>

#include "base/status.h"

namespace tessera::bench {

class SimulatorProcess {
 public:
  // Starts `binary` with `args`, pinned to `cpu` (-1: not pinned), and waits
  // up to 10 s for its "engine ready" log line. Unavailable when it exits
  // first, DeadlineExceeded when it is not ready in time; both carry its log.
  static StatusOr<std::unique_ptr<SimulatorProcess>> Start(const std::string& binary,
                                                           std::vector<std::string> args, int cpu);

  SimulatorProcess(const SimulatorProcess&) = delete;
  SimulatorProcess& operator=(const SimulatorProcess&) = delete;
  ~SimulatorProcess();

  pid_t Pid() const { return pid_; }
  uint16_t Port() const { return port_; }
  // The engine's max_concurrency, as its ready line reports it.
  double MaxConcurrency() const { return max_concurrency_; }
  // Kills the simulator and reaps it; safe to call again.
  void Kill();

 private:
  SimulatorProcess(pid_t pid, std::string log_path) : pid_(pid), log_path_(std::move(log_path)) {}

  Status AwaitReady(std::chrono::seconds limit);
  std::string Log() const;

  pid_t pid_ = 0;
  std::string log_path_;
  uint16_t port_ = 0;
  double max_concurrency_ = 0;
};

}  // namespace tessera::bench

#endif  // TESSERA_BENCHMARKS_ENGINE_SIM_CAPACITY_SIMULATOR_PROCESS_H_
