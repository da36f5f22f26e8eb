// tessera-engine-sim's command line: the flags people type for `vllm serve`
// (and SGLang's where they differ), plus the simulator's own.

#ifndef TESSERA_ENGINE_SIMULATOR_SIMULATOR_OPTIONS_H_
#define TESSERA_ENGINE_SIMULATOR_SIMULATOR_OPTIONS_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/environment.h"
#include "base/status.h"
#include "engine/simulator/engine_core.h"
#include "engine/simulator/kv_transfer_config.h"

namespace tessera::simulator {

enum class Flavor { kVllm, kSglang };
enum class DisaggregationMode { kNone, kPrefill, kDecode };

struct SimulatorOptions {
  EngineConfig engine;
  std::string model;  // what --model said, reported as the model's root
  std::vector<std::string> served_model_names;
  std::string host = "127.0.0.1";
  uint16_t port = 8000;
  Flavor flavor = Flavor::kVllm;
  // Wall time per simulated second: 0.1 runs ten times faster than a GPU.
  double time_scale = 1.0;
  // Simulated time to load weights before serving.
  std::chrono::duration<double> load_time{0};
  // When not ignoring EOS, the simulated model stops after a geometric
  // number of tokens with this mean; 0 runs every request to max_tokens.
  int64_t mean_output_len = 256;
  // Fault injection, in simulated time since the engine became ready.
  std::optional<std::chrono::duration<double>> fail_after;  // the engine dies
  std::optional<std::chrono::duration<double>> hang_after;  // the engine stops responding
  double error_rate = 0;                                    // share of requests answered 500
  DisaggregationMode disaggregation_mode = DisaggregationMode::kNone;
  uint16_t disaggregation_bootstrap_port = 8998;
  // Per tensor-parallel rank: MI300X platforms give each GPU its own
  // 400 Gb/s NIC, 50 GB/s.
  double disaggregation_transfer_bandwidth = 50e9;  // bytes per second
  // Simulated time a prefill and a decode request wait for each other
  // (SGLang's SGLANG_DISAGGREGATION_WAITING_TIMEOUT).
  std::chrono::duration<double> disaggregation_timeout{300};
  // vLLM's prefill/decode disaggregation through NixlConnector
  // (--kv-transfer-config); unset: kv_transfer_params are ignored, as vLLM
  // ignores them without a connector.
  std::optional<KvTransferConfig> kv_transfer;
  // The side channel decode workers read KV blocks from: where it listens
  // and what kv_transfer_params.remote_host says (VLLM_NIXL_SIDE_CHANNEL_HOST;
  // default --host), and its port (VLLM_NIXL_SIDE_CHANNEL_PORT; 0 picks a
  // free one, reported as remote_port).
  std::string kv_side_channel_host;
  uint16_t kv_side_channel_port = 5600;
  // Simulated time a prefill worker holds KV blocks for a decode worker that
  // has not read them (VLLM_NIXL_ABORT_REQUEST_TIMEOUT).
  std::chrono::duration<double> kv_abort_request_timeout{480};
  // Engine flags given that would change a real engine's timing but that the
  // simulator does not model, each with its value ("--pipeline-parallel-size
  // 4"), for a start-up warning that names them.
  std::vector<std::string> not_simulated_flags;
  // Engine flags given that do not change timing, for a start-up note.
  std::vector<std::string> timing_neutral_flags;
};

// A real vLLM or SGLang flag that the simulator accepts by name without
// modelling it.
struct PassThroughFlag {
  std::string_view names;  // one flag, or aliases: "--pipeline-parallel-size,--pp-size"
  bool takes_value = false;
  std::string_view reason;  // why it is accepted, for the docs and the warning
};

// Flags of vLLM and SGLang that do not change an engine's timing (logging,
// where weights come from, request parsing): accepted and noted at start-up.
std::span<const PassThroughFlag> TimingNeutralFlags();
// Flags that change a real engine's timing or behaviour but that the
// simulator does not model yet: accepted, and named in a start-up warning as
// "accepted but not simulated".
std::span<const PassThroughFlag> NotSimulatedFlags();

// Parses argv (without the program name). For --help, fills `help_text` and
// returns Cancelled. Errors name the flag ("--time-scale: must be positive");
// a flag that is neither the simulator's own, nor one it models, nor on the
// two lists above is an error naming it. As vLLM does, "--flag_name" means
// "--flag-name", and "-tp"/"-pp"/"-q" are the short forms of
// --tensor-parallel-size, --pipeline-parallel-size and --quantization.
// vLLM's NIXL environment variables are read from `environment`; a flag
// overrides its variable.
StatusOr<SimulatorOptions> ParseSimulatorOptions(
    const std::vector<std::string>& args, std::string& help_text,
    const EnvironmentLookup& environment = ProcessEnvironment);

}  // namespace tessera::simulator

#endif  // TESSERA_ENGINE_SIMULATOR_SIMULATOR_OPTIONS_H_
