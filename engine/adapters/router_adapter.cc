#include "engine/adapters/router_adapter.h"

#include <string>

#include "engine/adapters/argv_builder.h"

namespace tessera::adapters {

wire::EngineKind RouterAdapter::kind() const { return wire::EngineKind::kRouter; }

StatusOr<LaunchPlan> RouterAdapter::Plan(const EngineInstallation& installation,
                                         const wire::EngineSettings& settings,
                                         wire::WorkerRole role,
                                         const LaunchContext& context) const {
  if (role != wire::WorkerRole::kRouter) {
    return InvalidArgumentError("role: tessera-router runs only router workers, got " +
                                std::string(wire::WorkerRoleName(role)));
  }
  ArgvBuilder argv(installation.command);
  argv.Flag("--host", context.host)
      .Flag("--port", context.port)
      .Flag("--served-model-name",
            settings.served_model_name.empty() ? settings.model : settings.served_model_name);
  if (!context.admin_token_file.empty()) {
    argv.Flag("--admin-token-file", context.admin_token_file);
  }
  argv.AddAll(settings.extra_args);

  LaunchPlan plan;
  plan.argv = std::move(argv).Build();
  plan.health_path = "/health";
  plan.metrics_path = "/metrics";
  // Its clients' requests in flight: a drain ends when the last answer has.
  plan.dialect = wire::MetricDialect::kRouter;
  // No device list: the router holds no partition, so HIP and CUDA see none.
  MergeEnvironment(installation, settings, context, plan);
  return plan;
}

}  // namespace tessera::adapters
