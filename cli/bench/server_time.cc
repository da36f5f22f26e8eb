#include "cli/bench/server_time.h"

namespace tessera::bench {

void ToServerTime(double time_scale, std::vector<RequestOutcome>& outcomes,
                  double& duration_seconds) {
  if (time_scale == 1.0) return;
  for (RequestOutcome& outcome : outcomes) {
    outcome.start_time /= time_scale;
    outcome.ttft /= time_scale;
    outcome.latency /= time_scale;
    for (double& gap : outcome.itl) gap /= time_scale;
  }
  duration_seconds /= time_scale;
}

}  // namespace tessera::bench
