// When each request of a benchmark is sent, as vLLM's and SGLang's clients
// space them: the gaps between arrivals are drawn from a gamma distribution
// with shape `burstiness` and mean 1 / request_rate. Burstiness 1 is a
// Poisson process; below 1 arrivals bunch up, above 1 they even out. An
// infinite rate sends everything at once. The gaps are drawn as numpy's
// legacy generator draws them after np.random.seed(seed), so that for the
// same seed, rate and burstiness the schedule is the one vLLM 0.8.5's
// benchmark_serving.py and SGLang 0.4.6's bench_serving follow (both seed
// numpy with --seed and draw nothing else from it for a ShareGPT workload).

#ifndef TESSERA_CLI_BENCH_ARRIVAL_SCHEDULE_H_
#define TESSERA_CLI_BENCH_ARRIVAL_SCHEDULE_H_

#include <cstdint>
#include <vector>

#include "base/status.h"

namespace tessera::bench {

// Seconds from the start of the run at which each of `count` requests
// arrives; the first at 0. InvalidArgument names --request-rate or
// --burstiness when not positive, and --seed when above 2^32 - 1.
StatusOr<std::vector<double>> ArrivalOffsets(int64_t count, double request_rate, double burstiness,
                                             uint64_t seed);

}  // namespace tessera::bench

#endif  // TESSERA_CLI_BENCH_ARRIVAL_SCHEDULE_H_
