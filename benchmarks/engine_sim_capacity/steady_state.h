// The steady state of N closed-loop clients on the benchmark's engine, run
// in virtual time: the token rate the engine's simulated steps sustain,
// from which each sweep point's time scale is chosen, and the CPU the
// engine model alone costs per token.

#ifndef TESSERA_BENCHMARKS_ENGINE_SIM_CAPACITY_STEADY_STATE_H_
#define TESSERA_BENCHMARKS_ENGINE_SIM_CAPACITY_STEADY_STATE_H_

#include <cstdint>
#include <string>

#include "base/status.h"
#include "engine/simulator/engine_core.h"

namespace tessera::bench {

struct SteadyState {
  double tokens_per_simulated_second = 0;
  double mean_step_seconds = 0;
  double tokens_per_step = 0;
  // This process's CPU per token for EngineCore::Step alone, without HTTP,
  // JSON or metrics: the engine model's share of the simulator's cost.
  double core_cpu_microseconds_per_token = 0;
};

// Runs `streams` clients for 2 × max_tokens steps of warm-up, then measures
// max_tokens steps. Fails when the engine cannot be created or produces no
// tokens.
StatusOr<SteadyState> MeasureSteadyState(const simulator::EngineConfig& config, int64_t streams,
                                         int64_t max_tokens, const std::string& prompt);

}  // namespace tessera::bench

#endif  // TESSERA_BENCHMARKS_ENGINE_SIM_CAPACITY_STEADY_STATE_H_
