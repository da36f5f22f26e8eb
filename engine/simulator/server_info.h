// The bodies of the endpoints that describe the engine rather than run it:
// vLLM's /v1/models and /version, and SGLang's /server_info, /model_info
// and /get_load, which sglang-router reads to place requests. Each is the
// JSON the real engine answers, with the fields its clients read.

#ifndef TESSERA_ENGINE_SIMULATOR_SERVER_INFO_H_
#define TESSERA_ENGINE_SIMULATOR_SERVER_INFO_H_

#include <cstdint>
#include <string>

#include "engine/simulator/engine_core.h"
#include "engine/simulator/simulator_options.h"

namespace tessera::simulator {

// /v1/models: one model card per served name. `created` is Unix seconds.
std::string ModelListBody(const SimulatorOptions& options, int64_t created);

// /version.
std::string VersionBody();

// /server_info: the parallel layout, limits and disaggregation role;
// "status" says whether the engine has finished loading. The scheduler's
// internal state (`last_gen_throughput`, tokens per simulated second, and
// the server arguments it echoes) appears twice, as SGLang releases differ:
// spread over the top level, as SGLang 0.4.6 answers and its bench_serving
// reads, and as the one element of "internal_states" (one per
// data-parallel rank), as later releases answer and their bench_serving
// reads. "avg_spec_accept_length" is absent, as in SGLang without
// speculative decoding.
std::string ServerInfoBody(const SimulatorOptions& options, const EngineCore& core, bool ready,
                           double last_gen_throughput);

// /model_info.
std::string ModelInfoBody(const SimulatorOptions& options);

// /get_load: requests running and waiting and KV tokens in use, stamped
// with `simulated_now` (seconds since start).
std::string LoadBody(const EngineCore& core, double simulated_now);

}  // namespace tessera::simulator

#endif  // TESSERA_ENGINE_SIMULATOR_SERVER_INFO_H_
