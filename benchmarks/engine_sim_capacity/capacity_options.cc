#include "benchmarks/engine_sim_capacity/capacity_options.h"

#include <algorithm>
#include <array>
#include <limits>

#include <CLI/CLI.hpp>
#include <unistd.h>

#include "benchmarks/harness/command_line.h"

namespace tessera::bench {
namespace {

std::string DirectoryOfSelf() {
  std::array<char, 4096> path{};
  const ssize_t length = ::readlink("/proc/self/exe", path.data(), path.size() - 1);
  if (length <= 0) return ".";
  const std::string self(path.data(), static_cast<size_t>(length));
  return self.substr(0, self.rfind('/'));
}

}  // namespace

std::optional<int> ParseCapacityOptions(int argc, const char* const* argv,
                                        CapacityOptions& options) {
  constexpr int64_t kMax = std::numeric_limits<int>::max();
  CLI::App app(
      "How much load one tessera-engine-sim process carries on one core: streams kept in flight "
      "and token rates demanded until the simulator's core saturates "
      "(docs/engine-simulator.md, \"Capacity\")",
      "engine-sim-capacity");
  options.simulator = DirectoryOfSelf() + "/tessera-engine-sim";
  int64_t warmup_ms = options.warmup.count();
  int64_t window_ms = options.window.count();
  app.add_option("--simulator", options.simulator, "The tessera-engine-sim binary")
      ->capture_default_str();
  app.add_option("--streams", options.streams, "Concurrent streams, one sweep per count")
      ->delimiter(',')
      ->check(CLI::Range(int64_t{1}, kMax))
      ->capture_default_str();
  app.add_option("--demand", options.demands,
                 "Token rates (tok/s) to demand of each stream count, in order, until the "
                 "simulator saturates")
      ->delimiter(',')
      ->check(CLI::Range(int64_t{1}, kMax))
      ->capture_default_str();
  app.add_option("--max-tokens", options.max_tokens,
                 "Mean max_tokens; each request asks for uniform [max/2, 3·max/2]")
      ->check(CLI::Range(int64_t{2}, int64_t{300}))
      ->capture_default_str();
  app.add_option("--warmup-ms", warmup_ms, "Load before the measurement window")
      ->check(CLI::Range(int64_t{1}, kMax))
      ->capture_default_str();
  app.add_option("--window-ms", window_ms, "The measurement window")
      ->check(CLI::Range(int64_t{1}, kMax))
      ->capture_default_str();
  app.add_option("--simulator-cpu", options.simulator_cpu, "The CPU the simulator is pinned to")
      ->check(CLI::Range(0, std::numeric_limits<int>::max()))
      ->capture_default_str();
  app.add_option("--client-cpu", options.client_cpu, "The CPU this process is pinned to")
      ->check(CLI::Range(0, std::numeric_limits<int>::max()))
      ->capture_default_str();
  if (const std::optional<int> exit_status = ParseCommandLine(app, argc, argv)) {
    return exit_status;
  }
  options.warmup = std::chrono::milliseconds(warmup_ms);
  options.window = std::chrono::milliseconds(window_ms);
  options.ramp = std::min(options.ramp, options.warmup);
  return std::nullopt;
}

}  // namespace tessera::bench
