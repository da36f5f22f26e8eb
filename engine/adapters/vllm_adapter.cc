#include "engine/adapters/vllm_adapter.h"

#include "engine/adapters/argv_builder.h"
#include "wire/engine_arguments.h"

namespace tessera::adapters {

wire::EngineKind VllmAdapter::kind() const { return wire::EngineKind::kVllm; }

StatusOr<LaunchPlan> VllmAdapter::Plan(const EngineInstallation& installation,
                                       const wire::EngineSettings& settings, wire::WorkerRole role,
                                       const LaunchContext& context) const {
  TESSERA_ASSIGN_OR_RETURN(std::optional<std::string> kv_cache_dtype,
                           EngineKvCacheDtype(settings.kv_cache_dtype, "vLLM",
                                              {"auto", "fp8", "fp8_e4m3", "fp8_e5m2"}, "fp8"));
  TESSERA_RETURN_IF_ERROR(wire::CheckEngineExtraArguments(wire::EngineKind::kVllm,
                                                          settings.extra_args, "engine.extraArgs"));
  TESSERA_RETURN_IF_ERROR(CheckSpeculativeWithoutPipeline(settings, "vLLM"));
  const bool v1 = SpeaksVllmV1(installation);
  if (settings.num_scheduler_steps != 1 && v1) {
    return InvalidArgumentError("engine.numSchedulerSteps: " + DescribeVllmRelease(installation) +
                                " has no multi-step scheduling (it left with the V0 engine in "
                                "0.8); give the agent's engine entry the version of a 0.6-era "
                                "vLLM or remove numSchedulerSteps");
  }
  ArgvBuilder argv(installation.command);
  argv.Add("serve").Add(settings.model);
  argv.Flag("--host", context.host).Flag("--port", context.port);
  if (!settings.served_model_name.empty()) {
    argv.Flag("--served-model-name", settings.served_model_name);
  }
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
  if (settings.num_scheduler_steps != 1) {
    argv.Flag("--num-scheduler-steps", settings.num_scheduler_steps);
  }
  if (settings.enable_prefix_caching) {
    argv.Add(*settings.enable_prefix_caching ? "--enable-prefix-caching"
                                             : "--no-enable-prefix-caching");
  }
  if (settings.speculative) argv.AddAll(VllmSpeculativeArguments(*settings.speculative, v1));
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
