#include "resources/router_spec.h"

#include <array>

#include "base/json_fields.h"
#include "base/strings.h"

namespace tessera::resources {
namespace {

using nlohmann::json;

constexpr int kMaxRouterReplicas = 100;
constexpr std::array<RoutingPolicy, 3> kPolicies = {
    RoutingPolicy::kRoundRobin, RoutingPolicy::kLeastLoad, RoutingPolicy::kCacheAware};

// Reads `name` into `out` when present; errors list the policies.
void ReadPolicy(JsonFields& fields, std::string_view name, std::optional<RoutingPolicy>& out) {
  std::optional<std::string> text;
  fields.Optional(name, text);
  if (!text) return;
  for (RoutingPolicy policy : kPolicies) {
    if (*text == RoutingPolicyName(policy)) {
      out = policy;
      return;
    }
  }
  fields.Fail(name, "must be round_robin, least_load or cache_aware, got " + Quote(*text));
}

}  // namespace

std::string_view RoutingPolicyName(RoutingPolicy policy) {
  switch (policy) {
    case RoutingPolicy::kRoundRobin:
      return "round_robin";
    case RoutingPolicy::kLeastLoad:
      return "least_load";
    case RoutingPolicy::kCacheAware:
      return "cache_aware";
  }
  return "cache_aware";
}

std::string_view PdProtocolName(PdProtocol protocol) {
  return protocol == PdProtocol::kVllm ? "vllm" : "sglang";
}

PdProtocol PdProtocolFor(wire::EngineKind engine) {
  return engine == wire::EngineKind::kVllm ? PdProtocol::kVllm : PdProtocol::kSglang;
}

StatusOr<RouterSpec> RouterSpecFromJson(const json* object, bool disaggregated,
                                        wire::EngineKind engine) {
  RouterSpec router;
  if (object == nullptr) return router;
  JsonFields fields(*object, "spec.router");
  std::optional<int> replicas;
  std::optional<RoutingPolicy> policy;
  std::optional<std::string> protocol;
  fields.Optional("replicas", replicas, 0, kMaxRouterReplicas);
  ReadPolicy(fields, "policy", policy);
  ReadPolicy(fields, "prefillPolicy", router.prefill_policy);
  ReadPolicy(fields, "decodePolicy", router.decode_policy);
  fields.Optional("pdProtocol", protocol);
  TESSERA_RETURN_IF_ERROR(fields.Finish());
  if (replicas) router.replicas = *replicas;
  if (policy) router.policy = *policy;
  if (!disaggregated && (router.prefill_policy || router.decode_policy)) {
    return InvalidArgumentError(
        std::string("spec.router.") + (router.prefill_policy ? "prefillPolicy" : "decodePolicy") +
        ": only disaggregated mode has prefill and decode workers; use spec.router.policy");
  }
  if (protocol) {
    if (*protocol != "sglang" && *protocol != "vllm") {
      return InvalidArgumentError("spec.router.pdProtocol: must be sglang or vllm, got " +
                                  Quote(*protocol));
    }
    router.pd_protocol = *protocol == "vllm" ? PdProtocol::kVllm : PdProtocol::kSglang;
    if (*router.pd_protocol != PdProtocolFor(engine)) {
      return InvalidArgumentError(
          "spec.router.pdProtocol: " + Quote(*protocol) + " does not match engine kind " +
          Quote(wire::EngineKindName(engine)) + ", whose workers hand KV over by the " +
          std::string(PdProtocolName(PdProtocolFor(engine))) + " protocol");
    }
  }
  return router;
}

json RouterSpecToJson(const RouterSpec& router) {
  json result = {{"replicas", router.replicas}, {"policy", RoutingPolicyName(router.policy)}};
  if (router.prefill_policy) result["prefillPolicy"] = RoutingPolicyName(*router.prefill_policy);
  if (router.decode_policy) result["decodePolicy"] = RoutingPolicyName(*router.decode_policy);
  if (router.pd_protocol) result["pdProtocol"] = PdProtocolName(*router.pd_protocol);
  return result;
}

std::vector<std::string> RouterArguments(const RouterSpec& router, bool disaggregated,
                                         wire::EngineKind engine) {
  std::vector<std::string> arguments = {"--policy", std::string(RoutingPolicyName(router.policy))};
  if (!disaggregated) return arguments;
  if (router.prefill_policy) {
    arguments.insert(arguments.end(),
                     {"--prefill-policy", std::string(RoutingPolicyName(*router.prefill_policy))});
  }
  if (router.decode_policy) {
    arguments.insert(arguments.end(),
                     {"--decode-policy", std::string(RoutingPolicyName(*router.decode_policy))});
  }
  const PdProtocol protocol = router.pd_protocol.value_or(PdProtocolFor(engine));
  arguments.insert(arguments.end(), {"--pd-protocol", std::string(PdProtocolName(protocol))});
  return arguments;
}

}  // namespace tessera::resources
