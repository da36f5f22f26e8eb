#include "engine/adapters/sglang_adapter.h"

#include "engine/adapters/argv_builder.h"
#include "wire/engine_arguments.h"

namespace tessera::adapters {
namespace {

// SGLang's names for the speculative methods: STANDALONE runs a separate
// small draft model, EAGLE an EAGLE head, NGRAM looks tokens up in the
// prompt.
std::string_view SpeculativeAlgorithm(std::string_view method) {
  if (method == "eagle") return "EAGLE";
  if (method == "ngram") return "NGRAM";
  return "STANDALONE";
}

}  // namespace

wire::EngineKind SglangAdapter::kind() const { return wire::EngineKind::kSglang; }

StatusOr<LaunchPlan> SglangAdapter::Plan(const EngineInstallation& installation,
                                         const wire::EngineSettings& settings,
                                         wire::WorkerRole role,
                                         const LaunchContext& context) const {
  TESSERA_ASSIGN_OR_RETURN(std::optional<std::string> kv_cache_dtype,
                           EngineKvCacheDtype(settings.kv_cache_dtype, "SGLang",
                                              {"auto", "fp8_e4m3", "fp8_e5m2"}, "fp8_e4m3"));
  TESSERA_RETURN_IF_ERROR(wire::CheckEngineExtraArguments(wire::EngineKind::kSglang,
                                                          settings.extra_args, "engine.extraArgs"));
  TESSERA_RETURN_IF_ERROR(CheckSpeculativeWithoutPipeline(settings, "SGLang"));
  if (settings.num_scheduler_steps != 1) {
    return InvalidArgumentError("engine.numSchedulerSteps: SGLang has no multi-step scheduling");
  }
  if (settings.speculative && settings.speculative->draft_tensor_parallel_size) {
    return InvalidArgumentError(
        "engine.speculative.draftTensorParallelSize: SGLang runs the draft model at the worker's "
        "tensor-parallel size");
  }
  ArgvBuilder argv(installation.command);
  argv.Flag("--model-path", settings.model);
  if (!settings.served_model_name.empty()) {
    argv.Flag("--served-model-name", settings.served_model_name);
  }
  argv.Flag("--host", context.host)
      .Flag("--port", context.port)
      .Flag("--tp-size", settings.tensor_parallel_size);
  if (settings.pipeline_parallel_size != 1) {
    argv.Flag("--pp-size", settings.pipeline_parallel_size);
  }
  argv.FlagIfSet("--context-length", settings.max_model_len)
      .FlagIfSet("--mem-fraction-static", settings.gpu_memory_utilization)
      .FlagIfSet("--kv-cache-dtype", kv_cache_dtype)
      .FlagIfSet("--quantization", settings.quantization)
      .FlagIfSet("--dtype", settings.dtype)
      .FlagIfSet("--chunked-prefill-size", settings.max_num_batched_tokens);
  // SGLang's prefix cache is the radix tree, on unless disabled.
  if (settings.enable_prefix_caching && !*settings.enable_prefix_caching) {
    argv.Add("--disable-radix-cache");
  }
  if (settings.speculative) {
    const wire::SpeculativeDecoding& speculative = *settings.speculative;
    argv.Flag("--speculative-algorithm", SpeculativeAlgorithm(speculative.method));
    if (!speculative.draft_model.empty()) {
      argv.Flag("--speculative-draft-model-path", speculative.draft_model);
    }
    // A chain of K proposals (top-k 1) is K + 1 tokens to verify with the
    // one the target model adds.
    argv.Flag("--speculative-num-steps", speculative.num_speculative_tokens)
        .Flag("--speculative-eagle-topk", 1)
        .Flag("--speculative-num-draft-tokens", speculative.num_speculative_tokens + 1);
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
