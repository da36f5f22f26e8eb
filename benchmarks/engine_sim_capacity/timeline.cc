#include "benchmarks/engine_sim_capacity/timeline.h"

#include <algorithm>

#include "benchmarks/engine_sim_capacity/virtual_clients.h"

namespace tessera::bench {

StatusOr<Timeline> Timeline::Replay(const simulator::EngineConfig& config, int64_t streams,
                                    int64_t max_tokens, const std::string& prompt,
                                    double time_scale, std::chrono::milliseconds ramp,
                                    std::chrono::milliseconds horizon) {
  TESSERA_ASSIGN_OR_RETURN(VirtualClients clients,
                           VirtualClients::Create(config, max_tokens, prompt));
  const double ramp_seconds = std::chrono::duration<double>(ramp).count();
  const double horizon_seconds = std::chrono::duration<double>(horizon).count();
  // The load starts its slots evenly over the ramp.
  const auto arrival = [&](int64_t slot) {
    return ramp_seconds * static_cast<double>(slot) / static_cast<double>(streams);
  };
  Timeline timeline;
  int64_t arrived = 0;
  double now = 0;
  while (now < horizon_seconds) {
    // Requests that arrived during the last step join this one.
    for (; arrived < streams && arrival(arrived) <= now; ++arrived) {
      TESSERA_RETURN_IF_ERROR(clients.Add());
    }
    if (clients.Idle()) {
      if (arrived == streams) break;
      now = arrival(arrived);  // an idle engine starts a step when a request arrives
      continue;
    }
    TESSERA_ASSIGN_OR_RETURN(const simulator::StepOutcome outcome, clients.Step());
    now += outcome.seconds * time_scale;
    timeline.steps_.push_back({.ends = now, .tokens = static_cast<int64_t>(outcome.tokens.size())});
  }
  return timeline;
}

double Timeline::TokensPerSecond(double from, double to) const {
  int64_t tokens = 0;
  for (const Step& step : steps_) {
    if (step.ends >= from && step.ends < to) tokens += step.tokens;
  }
  return to > from ? static_cast<double>(tokens) / (to - from) : 0;
}

double Timeline::StepsPerSecond(double from, double to) const {
  const auto steps = std::count_if(steps_.begin(), steps_.end(), [&](const Step& step) {
    return step.ends >= from && step.ends < to;
  });
  return to > from ? static_cast<double>(steps) / (to - from) : 0;
}

}  // namespace tessera::bench
