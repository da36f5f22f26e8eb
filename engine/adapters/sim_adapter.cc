#include "engine/adapters/sim_adapter.h"

#include "engine/adapters/argv_builder.h"

namespace tessera::adapters {

EngineKind SimAdapter::kind() const { return EngineKind::kSim; }

StatusOr<LaunchPlan> SimAdapter::Plan(const EngineInstallation& installation,
                                      const EngineSettings& settings, WorkerRole role,
                                      const LaunchContext& context) const {
  TESSERA_ASSIGN_OR_RETURN(
      std::optional<std::string> kv_cache_dtype,
      EngineKvCacheDtype(settings.kv_cache_dtype, "tessera-engine-sim",
                         {"auto", "fp8", "fp8_e4m3", "fp8_e5m2", "bf16", "fp16"}, "fp8"));
  ArgvBuilder argv(installation.command);
  argv.Flag("--model", settings.model);
  if (!settings.served_model_name.empty()) {
    argv.Flag("--served-model-name", settings.served_model_name);
  }
  argv.Flag("--host", context.host)
      .Flag("--port", context.port)
      .Flag("--flavor", MetricDialectName(installation.sim_flavor));
  if (!context.hardware.empty()) argv.Flag("--hardware", context.hardware);
  argv.Flag("--tensor-parallel-size", settings.tensor_parallel_size)
      .FlagIfSet("--max-model-len", settings.max_model_len)
      .FlagIfSet("--gpu-memory-utilization", settings.gpu_memory_utilization)
      .FlagIfSet("--kv-cache-dtype", kv_cache_dtype);
  if (settings.enable_prefix_caching) {
    argv.Add(*settings.enable_prefix_caching ? "--enable-prefix-caching"
                                             : "--no-enable-prefix-caching");
  }
  if (role != WorkerRole::kAggregated) {
    argv.Flag("--disaggregation-mode", WorkerRoleName(role));
    if (role == WorkerRole::kPrefill && context.bootstrap_port) {
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
