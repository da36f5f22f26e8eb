// A sweep point's own schedule in virtual time: the same ramp of arrivals,
// closed loop and time scale as the live load, with steps back to back and
// no processing time. Its steps in the measurement window are what the
// simulator's timeline calls for there; the steady state differs while the
// streams are young (short contexts make faster steps).

#ifndef TESSERA_BENCHMARKS_ENGINE_SIM_CAPACITY_TIMELINE_H_
#define TESSERA_BENCHMARKS_ENGINE_SIM_CAPACITY_TIMELINE_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/simulator/engine_core.h"

namespace tessera::bench {

class Timeline {
 public:
  struct Step {
    double ends = 0;  // wall seconds after the load starts
    int64_t tokens = 0;
  };

  // Replays `streams` clients whose first requests arrive evenly over
  // `ramp`, up to `horizon` of wall time at `time_scale`. Fails when the
  // engine cannot be created or refuses a request.
  static StatusOr<Timeline> Replay(const simulator::EngineConfig& config, int64_t streams,
                                   int64_t max_tokens, const std::string& prompt, double time_scale,
                                   std::chrono::milliseconds ramp,
                                   std::chrono::milliseconds horizon);

  // Tokens and steps per wall second over [from, to): steps ending then.
  double TokensPerSecond(double from, double to) const;
  double StepsPerSecond(double from, double to) const;

 private:
  std::vector<Step> steps_;
};

}  // namespace tessera::bench

#endif  // TESSERA_BENCHMARKS_ENGINE_SIM_CAPACITY_TIMELINE_H_
