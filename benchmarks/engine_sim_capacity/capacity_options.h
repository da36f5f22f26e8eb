// engine-sim-capacity's command line:
//
//   engine-sim-capacity [--simulator PATH] [--streams 500,2000,4000]
//                       [--demand 20000,50000,100000,200000] [--max-tokens 128]
//                       [--warmup-ms 2000] [--window-ms 6000]
//                       [--simulator-cpu 0] [--client-cpu 1]

#ifndef TESSERA_BENCHMARKS_ENGINE_SIM_CAPACITY_CAPACITY_OPTIONS_H_
#define TESSERA_BENCHMARKS_ENGINE_SIM_CAPACITY_CAPACITY_OPTIONS_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tessera::bench {

struct CapacityOptions {
  std::string simulator;  // default: tessera-engine-sim beside this binary
  std::vector<int64_t> streams = {500, 2000, 4000};
  std::vector<int64_t> demands = {20'000, 50'000, 100'000, 200'000};  // tokens per second
  int64_t max_tokens = 128;             // mean; each request asks for uniform [max/2, 3·max/2]
  std::chrono::milliseconds ramp{500};  // never longer than the warm-up
  std::chrono::milliseconds warmup{2000};
  std::chrono::milliseconds window{6000};
  int simulator_cpu = 0;
  int client_cpu = 1;
};

// Parses argv into `options`. nullopt when the benchmark should run;
// otherwise the exit status to end with: 0 after --help, 2 after an error
// naming the flag, both printed.
std::optional<int> ParseCapacityOptions(int argc, const char* const* argv,
                                        CapacityOptions& options);

}  // namespace tessera::bench

#endif  // TESSERA_BENCHMARKS_ENGINE_SIM_CAPACITY_CAPACITY_OPTIONS_H_
