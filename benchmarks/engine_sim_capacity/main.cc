// engine-sim-capacity: how much load one tessera-engine-sim process carries
// on one core. Starts the simulator pinned to one CPU with an engine
// configuration that admits thousands of sequences, drives it with
// tessera::http's client from this process pinned to another CPU (N
// streaming /v1/completions requests kept in flight, each finished one
// replaced at once), and prints, per stream count and time scale, the token
// rate the simulated steps demand, the rate delivered, and the simulator's
// CPU time per token. See docs/engine-simulator.md, "Capacity".
//
//   engine-sim-capacity [--simulator PATH] [--streams 500,2000,4000]
//                       [--demand 20000,50000,100000,200000] [--max-tokens 128]
//                       [--warmup-ms 2000] [--window-ms 6000]
//                       [--simulator-cpu 0] [--client-cpu 1]
//
// Each point's time scale is chosen so that the steady state of N closed-loop
// clients, run on the same engine in virtual time (EngineCore stepped
// directly, as the calibration benchmark does), delivers the --demand target.
// The demanded rate printed is that of the point's own schedule (ramp,
// warm-up, window) replayed in virtual time: what the simulator's timeline
// calls for in the measured window. A stream count's ladder of demands stops
// at the first point where the simulator saturates its core.

#include <csignal>
#include <optional>

#include "benchmarks/engine_sim_capacity/capacity_options.h"
#include "benchmarks/engine_sim_capacity/capacity_sweep.h"

int main(int argc, char** argv) {
  tessera::bench::CapacityOptions options;
  if (const std::optional<int> exit_status =
          tessera::bench::ParseCapacityOptions(argc, argv, options)) {
    return *exit_status;
  }
  // A closed socket must not end the run.
  std::signal(SIGPIPE, SIG_IGN);
  return tessera::bench::RunCapacitySweep(options);
}
