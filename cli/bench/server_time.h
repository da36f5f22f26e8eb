// Figures in the server's time. A simulator run at --time-scale S lives S
// wall seconds per simulated second, so a benchmark against it converts
// every time it measured (send times, TTFT, ITL, latencies, the run's
// duration) by dividing by S; rates follow from them. Then the result reads
// as the simulated engine's, and compares with expectations written for the
// real one.

#ifndef TESSERA_CLI_BENCH_SERVER_TIME_H_
#define TESSERA_CLI_BENCH_SERVER_TIME_H_

#include <vector>

#include "cli/bench/request_outcome.h"

namespace tessera::bench {

// Divides every time of `outcomes` and `duration_seconds` by `time_scale`
// (> 0); 1 changes nothing.
void ToServerTime(double time_scale, std::vector<RequestOutcome>& outcomes,
                  double& duration_seconds);

}  // namespace tessera::bench

#endif  // TESSERA_CLI_BENCH_SERVER_TIME_H_
