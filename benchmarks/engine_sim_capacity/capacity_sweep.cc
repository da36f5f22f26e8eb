#include "benchmarks/engine_sim_capacity/capacity_sweep.h"

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "benchmarks/engine_sim_capacity/capacity_load.h"
#include "benchmarks/engine_sim_capacity/capacity_report.h"
#include "benchmarks/engine_sim_capacity/capacity_workload.h"
#include "benchmarks/engine_sim_capacity/simulator_process.h"
#include "benchmarks/engine_sim_capacity/steady_state.h"
#include "benchmarks/engine_sim_capacity/timeline.h"
#include "benchmarks/harness/figures.h"
#include "benchmarks/harness/host_machine.h"
#include "engine/openai/response_writer.h"
#include "engine/simulator/simulator_options.h"
#include "engine/tokenizer/stand_in_tokenizer.h"
#include "engine/tokenizer/text_generator.h"

namespace tessera::bench {
namespace {

using Clock = std::chrono::steady_clock;

// The whole run stops starting sweep points after this long.
constexpr std::chrono::seconds kRunBudget{105};

}  // namespace

int RunCapacitySweep(const CapacityOptions& options) {
  RaiseFileLimit();
  const auto run_start = Clock::now();
  const bool pinned = OnlineCpus() >= 2 && PinToCpu(options.client_cpu);
  const int simulator_cpu = pinned ? options.simulator_cpu : -1;
  const int client_cpu = pinned ? options.client_cpu : -1;
  std::printf("engine-sim-capacity: %ld CPUs (%s); simulator on CPU %d, client on CPU %d%s\n",
              OnlineCpus(), CpuModel().c_str(), options.simulator_cpu, options.client_cpu,
              pinned ? "" : " (pinning unavailable: not pinned)");
  std::printf("simulator: tessera-engine-sim %s --time-scale S --port 0\n",
              std::string(kEngineFlags).c_str());
  std::printf("each stream: POST /v1/completions, %" PRId64
              "-token prompt, stream, ignore_eos, "
              "max_tokens uniform in [%" PRId64 ", %" PRId64
              "]; window %.1f s after %.1f s warm-up\n",
              kPromptTokens, options.max_tokens / 2, options.max_tokens + options.max_tokens / 2,
              std::chrono::duration<double>(options.window).count(),
              std::chrono::duration<double>(options.warmup).count());
  std::fflush(stdout);

  std::string help;
  StatusOr<simulator::SimulatorOptions> engine =
      simulator::ParseSimulatorOptions(EngineFlagArguments(), help);
  if (!engine.ok()) {
    std::fprintf(stderr, "engine-sim-capacity: %s\n", engine.status().ToString().c_str());
    return 1;
  }
  tokenizer::TextGenerator words(tokenizer::StandInTokenizer::Shared(), kSeed);
  const std::string prompt = words.Words(kPromptTokens);
  const std::string prompt_json = openai::JsonString(prompt);

  std::vector<SweepRow> rows;
  std::vector<std::string> notes;
  for (const int64_t streams : options.streams) {
    StatusOr<SteadyState> reference =
        MeasureSteadyState(engine->engine, streams, options.max_tokens, prompt);
    if (!reference.ok()) {
      std::fprintf(stderr, "engine-sim-capacity: reference run for %" PRId64 " streams: %s\n",
                   streams, reference.status().ToString().c_str());
      return 1;
    }
    std::printf("%" PRId64
                " streams in virtual time: %.1f tokens/step, %.2f ms/step simulated, %s tok/s "
                "simulated; EngineCore::Step alone %.2f us CPU per token\n",
                streams, reference->tokens_per_step, reference->mean_step_seconds * 1e3,
                Grouped(reference->tokens_per_simulated_second).c_str(),
                reference->core_cpu_microseconds_per_token);
    std::fflush(stdout);
    for (const int64_t demand : options.demands) {
      if (Clock::now() - run_start > kRunBudget) {
        notes.push_back(std::to_string(streams) + " streams at " + std::to_string(demand) +
                        " tok/s: skipped, the run's time budget is spent");
        continue;
      }
      const double time_scale =
          reference->tokens_per_simulated_second / static_cast<double>(demand);
      StatusOr<Timeline> timeline =
          Timeline::Replay(engine->engine, streams, options.max_tokens, prompt, time_scale,
                           options.ramp, options.warmup + options.window);
      if (!timeline.ok()) {
        std::fprintf(stderr, "engine-sim-capacity: replay: %s\n",
                     timeline.status().ToString().c_str());
        return 1;
      }
      const double window_from = std::chrono::duration<double>(options.warmup).count();
      const double window_to = window_from + std::chrono::duration<double>(options.window).count();
      std::vector<std::string> args = EngineFlagArguments();
      args.insert(args.end(), {"--time-scale", Fixed(time_scale, 6), "--port", "0"});
      std::fprintf(stderr,
                   "running %" PRId64 " streams, time scale %.4f (%" PRId64 " tok/s target) ...\n",
                   streams, time_scale, demand);
      StatusOr<std::unique_ptr<SimulatorProcess>> simulator =
          SimulatorProcess::Start(options.simulator, args, simulator_cpu);
      if (!simulator.ok()) {
        std::fprintf(stderr, "engine-sim-capacity: %s\n", simulator.status().ToString().c_str());
        return 1;
      }
      if ((*simulator)->MaxConcurrency() < static_cast<double>(streams)) {
        notes.push_back("the engine's max_concurrency " + Fixed((*simulator)->MaxConcurrency(), 0) +
                        " is below " + std::to_string(streams) +
                        " streams: the KV cache limits admission");
      }
      PointConfig config;
      config.port = (*simulator)->Port();
      config.streams = streams;
      config.max_tokens = options.max_tokens;
      config.prompt_json = prompt_json;
      config.ramp = options.ramp;
      config.warmup = options.warmup;
      config.window = options.window;
      config.demanded_tokens_per_second = timeline->TokensPerSecond(window_from, window_to);
      config.simulator_pid = (*simulator)->Pid();
      config.simulator_cpu = simulator_cpu;
      config.client_cpu = client_cpu;
      SweepRow row;
      row.streams = streams;
      row.time_scale = time_scale;
      row.target = static_cast<double>(demand);
      row.result = CapacityLoad(config).Run();
      // The window actually measured, which ends early on saturation.
      const double from = row.result.window_offset_seconds;
      const double to = from + row.result.window_seconds;
      row.demanded = timeline->TokensPerSecond(from, to);
      row.due_steps_per_second = timeline->StepsPerSecond(from, to);
      (*simulator)->Kill();
      for (const std::string& sample : row.result.error_samples) {
        notes.push_back(std::to_string(streams) + " streams at " +
                        Grouped(static_cast<double>(demand)) + " tok/s: " + sample);
      }
      const bool saturated =
          row.result.stopped_early || Saturated(row.result.window_seconds, row.result.window_tokens,
                                                row.result.cpu.server_cpu_seconds.value_or(0),
                                                row.result.cpu.server_core_busy, row.demanded);
      rows.push_back(std::move(row));
      if (saturated) break;  // higher demands only saturate it further
    }
  }

  PrintCapacityReport(rows, std::move(notes));
  std::printf("total %.0f s\n", std::chrono::duration<double>(Clock::now() - run_start).count());
  return 0;
}

}  // namespace tessera::bench
