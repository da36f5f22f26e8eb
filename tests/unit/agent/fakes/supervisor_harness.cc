#include "tests/unit/agent/fakes/supervisor_harness.h"

#include <cstdlib>

#include "agent/gpu/sim_topology.h"

namespace tessera::agent::testing {

SupervisorHarness::SupervisorHarness() : gpus(*ParseSimTopologyShorthand("1xmi300x:cpx/nps4")) {
  std::string pattern = "/tmp/tessera-supervisor-test-XXXXXX";
  root = ::mkdtemp(pattern.data());
}

SupervisorHarness::~SupervisorHarness() {
  std::error_code error;
  std::filesystem::remove_all(root, error);
}

SupervisorOptions SupervisorHarness::DefaultOptions() const {
  return {.policy = {},
          .engines =
              {{"sim",
                {.name = "sim", .kind = wire::EngineKind::kSim, .command = {"tessera-engine-sim"}}},
               {"vllm", {.name = "vllm", .kind = wire::EngineKind::kVllm, .command = {"vllm"}}},
               {"tessera-router",
                {.name = "tessera-router",
                 .kind = wire::EngineKind::kRouter,
                 .command = {"tessera-router"}}}},
          .state_directory = root / "state",
          .log_directory = root / "logs",
          .port_first = 20000,
          .port_last = 20099,
          .bind_host = "127.0.0.1",
          .reserved_ports = {8470},
          .admin_token_file = "/etc/tessera/agent-token",
          .advertise_host = "node-a"};
}

std::unique_ptr<Supervisor> SupervisorHarness::Make(const SupervisorOptions& options,
                                                    GpuBackend* gpus_override) {
  return std::make_unique<Supervisor>(
      loop, options,
      SupervisorServices{.gpus = gpus_override != nullptr ? *gpus_override : gpus,
                         .clock = clock,
                         .processes = processes,
                         .timers = timers,
                         .health_probes = health_probes,
                         .engine_metrics = engine_metrics,
                         .port_is_free = [this](int port) { return !ports_in_use.contains(port); }},
      Logger({.sink = log, .clock = &clock, .minimum_level = LogLevel::kDebug}));
}

wire::WorkerSpec SupervisorHarness::SimSpec(std::vector<int> partitions) {
  wire::WorkerSpec spec;
  spec.deployment = "llama-8b";
  spec.partitions = std::move(partitions);
  spec.engine = "sim";
  spec.settings.model = "meta-llama/Llama-3.1-8B-Instruct";
  return spec;
}

wire::WorkerSpec SupervisorHarness::RouterSpec() {
  wire::WorkerSpec spec;
  spec.deployment = "llama-8b";
  spec.role = wire::WorkerRole::kRouter;
  spec.engine = "tessera-router";
  spec.settings.model = "meta-llama/Llama-3.1-8B-Instruct";
  spec.settings.served_model_name = "llama-8b";
  spec.settings.tensor_parallel_size = 0;
  spec.settings.extra_args = {"--policy", "round_robin"};
  return spec;
}

}  // namespace tessera::agent::testing
