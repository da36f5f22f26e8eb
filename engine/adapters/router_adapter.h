// tessera-router, the deployment's OpenAI endpoint, launched like an engine:
//
//   tessera-router --host H --port P --served-model-name NAME
//                  [--admin-token-file FILE] [routing flags from the spec]
//
// The routing flags (--policy, --prefill-policy, --decode-policy,
// --pd-protocol) arrive as the spec's extraArgs, written by the controller
// from the deployment's spec.router; the router itself rejects a bad one
// (exit 2, which the agent reports as a crash loop with its last output).
// GET /health answers while it serves: the agent's probe. /readiness is
// not, because a router without members yet is still a working process the
// controller must reach to feed.

#ifndef TESSERA_ENGINE_ADAPTERS_ROUTER_ADAPTER_H_
#define TESSERA_ENGINE_ADAPTERS_ROUTER_ADAPTER_H_

#include "engine/adapters/engine_adapter.h"

namespace tessera::adapters {

class RouterAdapter final : public EngineAdapter {
 public:
  wire::EngineKind kind() const override;
  // InvalidArgument naming `role` unless it is the router role.
  StatusOr<LaunchPlan> Plan(const EngineInstallation& installation,
                            const wire::EngineSettings& settings, wire::WorkerRole role,
                            const LaunchContext& context) const override;
};

}  // namespace tessera::adapters

#endif  // TESSERA_ENGINE_ADAPTERS_ROUTER_ADAPTER_H_
