#include "controller/reconciler/worker_template.h"

#include "controller/placement/worker_requirements.h"
#include "hardware/data_type.h"

namespace tessera::controller {

namespace {

wire::WorkerSpec RouterTemplate(const resources::ObjectMeta& metadata,
                                const resources::ModelDeploymentSpec& spec,
                                const std::string& managed_by) {
  wire::WorkerSpec router;
  router.deployment = metadata.name;
  router.namespace_name = metadata.namespace_name;
  router.role = wire::WorkerRole::kRouter;
  router.engine = std::string(wire::EngineKindName(wire::EngineKind::kRouter));
  router.settings.model = spec.model.source;
  router.settings.served_model_name =
      spec.model.served_name.empty() ? metadata.name : spec.model.served_name;
  // As the agent reads it back: the size of its (empty) partition list.
  router.settings.tensor_parallel_size = 0;
  router.settings.extra_args =
      resources::RouterArguments(spec.router, spec.Disaggregated(), spec.engine.kind);
  router.managed_by = managed_by;
  return router;
}

// spec.model.dtype fp8 asks the engine to quantize the weights as they
// load, unless the checkpoint ships in FP8 already: then the engine reads
// the checkpoint's own scales and a --quantization flag would only fight
// them. bfloat16 and float16 name the type the engine computes in.
void SetWeightType(const resources::ModelDeploymentSpec& spec, wire::EngineSettings& settings) {
  if (!spec.model.dtype) return;
  if (*spec.model.dtype != "fp8") {
    settings.dtype = spec.model.dtype;
    return;
  }
  const StatusOr<model::ModelArchitecture> model = ResolveDeploymentModel(spec);
  const bool ships_in_fp8 = model.ok() && hardware::BytesPerElement(model->weight_type) == 1;
  if (!ships_in_fp8) settings.quantization = "fp8";
}

}  // namespace

wire::WorkerSpec WorkerTemplate(const resources::ObjectMeta& metadata,
                                const resources::ModelDeploymentSpec& spec, wire::WorkerRole role,
                                const std::string& managed_by) {
  if (role == wire::WorkerRole::kRouter) return RouterTemplate(metadata, spec, managed_by);
  wire::WorkerSpec worker;
  worker.deployment = metadata.name;
  worker.namespace_name = metadata.namespace_name;
  worker.role = role;
  // The allow-list entries of an agent are named after the engine kinds.
  worker.engine = std::string(wire::EngineKindName(spec.engine.kind));
  wire::EngineSettings& settings = worker.settings;
  settings.model = spec.model.source;
  settings.served_model_name =
      spec.model.served_name.empty() ? metadata.name : spec.model.served_name;
  settings.tensor_parallel_size = spec.Role(role).tensor_parallel_size;
  settings.pipeline_parallel_size = spec.Role(role).pipeline_parallel_size;
  settings.max_model_len = spec.engine.max_model_len;
  if (spec.engine.kv_cache_dtype && *spec.engine.kv_cache_dtype != "auto") {
    settings.kv_cache_dtype = spec.engine.kv_cache_dtype;
  }
  settings.gpu_memory_utilization = spec.engine.gpu_memory_utilization;
  settings.enable_prefix_caching = spec.engine.enable_prefix_caching;
  SetWeightType(spec, settings);
  settings.speculative = spec.engine.speculative;
  settings.num_scheduler_steps = spec.engine.num_scheduler_steps.value_or(1);
  settings.max_num_batched_tokens = spec.engine.max_num_batched_tokens;
  settings.extra_args = spec.engine.extra_args;
  settings.env = spec.engine.env;
  worker.startup_timeout_seconds = spec.engine.startup_timeout_seconds;
  worker.managed_by = managed_by;
  return worker;
}

}  // namespace tessera::controller
