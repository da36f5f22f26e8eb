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
// "status" says whether the engine has finished loading.
std::string ServerInfoBody(const SimulatorOptions& options, const EngineCore& core, bool ready);

// /model_info.
std::string ModelInfoBody(const SimulatorOptions& options);

// /get_load: requests running and waiting and KV tokens in use, stamped
// with `simulated_now` (seconds since start).
std::string LoadBody(const EngineCore& core, double simulated_now);

}  // namespace tessera::simulator

#endif  // TESSERA_ENGINE_SIMULATOR_SERVER_INFO_H_
