#include "engine/adapters/sglang_adapter.h"

#include "engine/adapters/argv_builder.h"

namespace tessera::adapters {

wire::EngineKind SglangAdapter::kind() const { return wire::EngineKind::kSglang; }

StatusOr<LaunchPlan> SglangAdapter::Plan(const EngineInstallation& installation,
                                         const wire::EngineSettings& settings,
                                         wire::WorkerRole role,
                                         const LaunchContext& context) const {
  TESSERA_ASSIGN_OR_RETURN(std::optional<std::string> kv_cache_dtype,
                           EngineKvCacheDtype(settings.kv_cache_dtype, "SGLang",
                                              {"auto", "fp8_e4m3", "fp8_e5m2"}, "fp8_e4m3"));
  ArgvBuilder argv(installation.command);
  argv.Flag("--model-path", settings.model);
  if (!settings.served_model_name.empty()) {
    argv.Flag("--served-model-name", settings.served_model_name);
  }
  argv.Flag("--host", context.host)
      .Flag("--port", context.port)
      .Flag("--tp-size", settings.tensor_parallel_size)
      .FlagIfSet("--context-length", settings.max_model_len)
      .FlagIfSet("--mem-fraction-static", settings.gpu_memory_utilization)
      .FlagIfSet("--kv-cache-dtype", kv_cache_dtype);
  // SGLang's prefix cache is the radix tree, on unless disabled.
  if (settings.enable_prefix_caching && !*settings.enable_prefix_caching) {
    argv.Add("--disable-radix-cache");
  }
  argv.Add("--enable-metrics");
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
  plan.dialect = wire::MetricDialect::kSglang;
  MergeEnvironment(installation, settings, context, plan);
  return plan;
}

}  // namespace tessera::adapters
