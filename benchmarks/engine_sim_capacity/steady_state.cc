#include "benchmarks/engine_sim_capacity/steady_state.h"

#include "benchmarks/engine_sim_capacity/virtual_clients.h"
#include "benchmarks/harness/process_cpu.h"

namespace tessera::bench {

StatusOr<SteadyState> MeasureSteadyState(const simulator::EngineConfig& config, int64_t streams,
                                         int64_t max_tokens, const std::string& prompt) {
  TESSERA_ASSIGN_OR_RETURN(VirtualClients clients,
                           VirtualClients::Create(config, max_tokens, prompt));
  for (int64_t i = 0; i < streams; ++i) TESSERA_RETURN_IF_ERROR(clients.Add());
  const int64_t warmup_steps = 2 * max_tokens;
  const int64_t measured_steps = max_tokens;
  double seconds = 0;
  int64_t tokens = 0;
  double cpu_start = 0;
  for (int64_t step = 0; step < warmup_steps + measured_steps && !clients.Idle(); ++step) {
    if (step == warmup_steps) cpu_start = SelfCpuSeconds();
    TESSERA_ASSIGN_OR_RETURN(const simulator::StepOutcome outcome, clients.Step());
    if (step >= warmup_steps) {
      seconds += outcome.seconds;
      tokens += static_cast<int64_t>(outcome.tokens.size());
    }
  }
  if (tokens == 0 || seconds <= 0) return InternalError("the reference run produced no tokens");
  SteadyState state;
  state.tokens_per_simulated_second = static_cast<double>(tokens) / seconds;
  state.mean_step_seconds = seconds / static_cast<double>(measured_steps);
  state.tokens_per_step = static_cast<double>(tokens) / static_cast<double>(measured_steps);
  state.core_cpu_microseconds_per_token =
      (SelfCpuSeconds() - cpu_start) * 1e6 / static_cast<double>(tokens);
  return state;
}

}  // namespace tessera::bench
