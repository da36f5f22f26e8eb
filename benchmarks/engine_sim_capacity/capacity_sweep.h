// The capacity benchmark's sweep. For each stream count: the steady state
// in virtual time, then a ladder of demanded token rates, each a time scale
// for a fresh simulator pinned to its core, driven live by CapacityLoad and
// compared with its own schedule replayed in virtual time. A ladder stops
// at the first point where the simulator saturates its core; the run stops
// starting points after 105 s.

#ifndef TESSERA_BENCHMARKS_ENGINE_SIM_CAPACITY_CAPACITY_SWEEP_H_
#define TESSERA_BENCHMARKS_ENGINE_SIM_CAPACITY_CAPACITY_SWEEP_H_

#include "benchmarks/engine_sim_capacity/capacity_options.h"

namespace tessera::bench {

// Runs the sweep and prints its figures; the exit status: 1 when the engine,
// a replay or a simulator could not start (printed), else 0.
int RunCapacitySweep(const CapacityOptions& options);

}  // namespace tessera::bench

#endif  // TESSERA_BENCHMARKS_ENGINE_SIM_CAPACITY_CAPACITY_SWEEP_H_
