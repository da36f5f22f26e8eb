#include "engine/adapters/sim_adapter.h"

#include "engine/adapters/argv_builder.h"
#include "wire/engine_arguments.h"

namespace tessera::adapters {

wire::EngineKind SimAdapter::kind() const { return wire::EngineKind::kSim; }

StatusOr<LaunchPlan> SimAdapter::Plan(const EngineInstallation& installation,
                                      const wire::EngineSettings& settings, wire::WorkerRole role,
                                      const LaunchContext& context) const {
  TESSERA_ASSIGN_OR_RETURN(
      std::optional<std::string> kv_cache_dtype,
      EngineKvCacheDtype(settings.kv_cache_dtype, "tessera-engine-sim",
                         {"auto", "fp8", "fp8_e4m3", "fp8_e5m2", "bf16", "fp16"}, "fp8"));
  TESSERA_RETURN_IF_ERROR(wire::CheckEngineExtraArguments(wire::EngineKind::kSim,
                                                          settings.extra_args, "engine.extraArgs"));
  ArgvBuilder argv(installation.command);
  argv.Flag("--model", settings.model);
  if (!settings.served_model_name.empty()) {
    argv.Flag("--served-model-name", settings.served_model_name);
  }
  argv.Flag("--host", context.host)
      .Flag("--port", context.port)
      .Flag("--flavor", wire::MetricDialectName(installation.sim_flavor));
  if (!context.hardware.empty()) argv.Flag("--hardware", context.hardware);
  argv.Flag("--tensor-parallel-size", settings.tensor_parallel_size);
  if (settings.pipeline_parallel_size != 1) {
    argv.Flag("--pipeline-parallel-size", settings.pipeline_parallel_size);
  }
  argv.FlagIfSet("--max-model-len", settings.max_model_len)
      .FlagIfSet("--gpu-memory-utilization", settings.gpu_memory_utilization)
      .FlagIfSet("--kv-cache-dtype", kv_cache_dtype)
      .FlagIfSet("--quantization", settings.quantization)
      .FlagIfSet("--dtype", settings.dtype)
      .FlagIfSet("--max-num-batched-tokens", settings.max_num_batched_tokens);
  // The simulator models multi-step scheduling whatever vLLM release its
  // speculative-decoding spellings follow.
  if (settings.num_scheduler_steps != 1) {
    argv.Flag("--num-scheduler-steps", settings.num_scheduler_steps);
  }
  if (settings.enable_prefix_caching) {
    argv.Add(*settings.enable_prefix_caching ? "--enable-prefix-caching"
                                             : "--no-enable-prefix-caching");
  }
  if (settings.speculative) {
    argv.AddAll(VllmSpeculativeArguments(*settings.speculative, SpeaksVllmV1(installation)));
  }
  if (role != wire::WorkerRole::kAggregated) {
    argv.Flag("--disaggregation-mode", wire::WorkerRoleName(role));
    if (role == wire::WorkerRole::kPrefill && context.bootstrap_port) {
      argv.Flag("--disaggregation-bootstrap-port", *context.bootstrap_port);
    }
  }
  argv.AddAll(settings.extra_args);

  LaunchPlan plan;
  plan.argv = std::move(argv).Build();
  plan.health_path = "/health";
  plan.dialect = installation.sim_flavor;
  MergeEnvironment(installation, settings, context, plan);
  return plan;
}

}  // namespace tessera::adapters
