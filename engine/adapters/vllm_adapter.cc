#include "engine/adapters/vllm_adapter.h"

#include "engine/adapters/argv_builder.h"

namespace tessera::adapters {

wire::EngineKind VllmAdapter::kind() const { return wire::EngineKind::kVllm; }

StatusOr<LaunchPlan> VllmAdapter::Plan(const EngineInstallation& installation,
                                       const wire::EngineSettings& settings, wire::WorkerRole role,
                                       const LaunchContext& context) const {
  TESSERA_ASSIGN_OR_RETURN(std::optional<std::string> kv_cache_dtype,
                           EngineKvCacheDtype(settings.kv_cache_dtype, "vLLM",
                                              {"auto", "fp8", "fp8_e4m3", "fp8_e5m2"}, "fp8"));
  ArgvBuilder argv(installation.command);
  argv.Add("serve").Add(settings.model);
  argv.Flag("--host", context.host).Flag("--port", context.port);
  if (!settings.served_model_name.empty()) {
    argv.Flag("--served-model-name", settings.served_model_name);
  }
  argv.Flag("--tensor-parallel-size", settings.tensor_parallel_size)
      .FlagIfSet("--max-model-len", settings.max_model_len)
      .FlagIfSet("--gpu-memory-utilization", settings.gpu_memory_utilization)
      .FlagIfSet("--kv-cache-dtype", kv_cache_dtype);
  if (settings.enable_prefix_caching) {
    argv.Add(*settings.enable_prefix_caching ? "--enable-prefix-caching"
                                             : "--no-enable-prefix-caching");
  }
  if (role != wire::WorkerRole::kAggregated) {
    // NIXL moves the KV cache between the two halves; both sides take the
    // kv_both role and the router pairs them per request.
    argv.Flag("--kv-transfer-config", R"({"kv_connector":"NixlConnector","kv_role":"kv_both"})");
  }
  argv.AddAll(settings.extra_args);

  LaunchPlan plan;
  plan.argv = std::move(argv).Build();
  plan.health_path = "/health";
  plan.dialect = wire::MetricDialect::kVllm;
  MergeEnvironment(installation, settings, context, plan);
  return plan;
}

}  // namespace tessera::adapters
