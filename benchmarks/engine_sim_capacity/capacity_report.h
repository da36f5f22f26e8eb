// The capacity benchmark's table: per sweep point, the rate targeted,
// demanded and delivered, steps done against steps due, the simulator's
// CPU and tokens per CPU-second, the client's CPU and the streams open;
// then the notes gathered on the way.

#ifndef TESSERA_BENCHMARKS_ENGINE_SIM_CAPACITY_CAPACITY_REPORT_H_
#define TESSERA_BENCHMARKS_ENGINE_SIM_CAPACITY_CAPACITY_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "benchmarks/engine_sim_capacity/capacity_load.h"

namespace tessera::bench {

struct SweepRow {
  int64_t streams = 0;
  double time_scale = 0;
  double target = 0;    // the --demand value the time scale was chosen for
  double demanded = 0;  // what the replayed timeline calls for in the window
  double due_steps_per_second = 0;
  PointResult result;
};

// Prints the table and the notes to stdout, adding to `notes` what the rows
// themselves say: /metrics answered too late to time steps, requests
// stalled.
void PrintCapacityReport(const std::vector<SweepRow>& rows, std::vector<std::string> notes);

}  // namespace tessera::bench

#endif  // TESSERA_BENCHMARKS_ENGINE_SIM_CAPACITY_CAPACITY_REPORT_H_
