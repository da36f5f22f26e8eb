// spec.router of a ModelDeployment: how many tessera-router processes front
// the deployment's workers, and how they route.
//
//   router:
//     replicas: 1              # >= 0, default 1; 0: no router, no endpoint
//     policy: cache_aware      # round_robin | least_load | cache_aware (default)
//     prefillPolicy: least_load   # disaggregated mode only; default: policy
//     decodePolicy: round_robin   # disaggregated mode only; default: policy
//     pdProtocol: sglang       # sglang | vllm; default: vllm for a vllm engine, else sglang
//
// The hand-off protocol is the engine's: vLLM workers hand KV over through
// vLLM's connector, SGLang's and the simulator's through SGLang's bootstrap
// server. A protocol that does not match the engine would fail every
// request at run time, so it is rejected here instead (and by the CRD's
// CEL rule).

#ifndef TESSERA_RESOURCES_ROUTER_SPEC_H_
#define TESSERA_RESOURCES_ROUTER_SPEC_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "wire/engine_kind.h"

namespace tessera::resources {

enum class RoutingPolicy { kRoundRobin, kLeastLoad, kCacheAware };
enum class PdProtocol { kSglang, kVllm };

// "round_robin", "least_load", "cache_aware" / "sglang", "vllm": the
// router's own flag values.
std::string_view RoutingPolicyName(RoutingPolicy policy);
std::string_view PdProtocolName(PdProtocol protocol);

struct RouterSpec {
  int replicas = 1;
  RoutingPolicy policy = RoutingPolicy::kCacheAware;
  std::optional<RoutingPolicy> prefill_policy{};
  std::optional<RoutingPolicy> decode_policy{};
  std::optional<PdProtocol> pd_protocol{};  // unset: the engine's, see PdProtocolFor

  friend bool operator==(const RouterSpec&, const RouterSpec&) = default;
};

// The protocol routers use with `engine`'s workers when none is given.
PdProtocol PdProtocolFor(wire::EngineKind engine);

// Reads spec.router (`object` may be null: the defaults). `disaggregated`
// and `engine` come from the rest of the spec, for the rules that join
// them. Errors are InvalidArgument naming the field
// ("spec.router.prefillPolicy: only disaggregated mode has prefill
// workers").
StatusOr<RouterSpec> RouterSpecFromJson(const nlohmann::json* object, bool disaggregated,
                                        wire::EngineKind engine);
nlohmann::json RouterSpecToJson(const RouterSpec& router);

// The router's routing flags for this spec: --policy always, the per-role
// policies and --pd-protocol (resolved from the engine when unset) in
// disaggregated mode only.
std::vector<std::string> RouterArguments(const RouterSpec& router, bool disaggregated,
                                         wire::EngineKind engine);

}  // namespace tessera::resources

#endif  // TESSERA_RESOURCES_ROUTER_SPEC_H_
