// tessera-router's command line.

#ifndef TESSERA_ROUTER_ROUTER_OPTIONS_H_
#define TESSERA_ROUTER_ROUTER_OPTIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "router/policy/routing_policy.h"
#include "router/pool/circuit_breaker.h"
#include "router/pool/health_checker.h"
#include "router/pool/membership.h"
#include "router/proxy/forwarded_request.h"

namespace tessera::router {

struct RouterOptions {
  std::string host = "127.0.0.1";
  int port = 8000;
  // The model names the endpoint answers to (the deployment's served name).
  std::vector<std::string> served_model_names{};
  // Workers given on the command line, until a PUT /admin/workers replaces them.
  std::vector<WorkerEndpoint> workers{};
  PolicyKind aggregated_policy = PolicyKind::kCacheAware;
  PolicyKind prefill_policy = PolicyKind::kCacheAware;
  PolicyKind decode_policy = PolicyKind::kCacheAware;
  CacheAwareSettings cache_aware{};
  ProxySettings proxy{};
  HealthCheckOptions health{};
  CircuitBreakerPolicy breaker{};
  // The bearer token(s) /admin/* requires (read at start, and again when a
  // presented token matches none); empty = open.
  std::string admin_token_file{};
  // The keys clients must send as bearer tokens on /v1/* (read likewise);
  // empty = open, as vLLM without --api-key.
  std::string api_key_file{};
  size_t max_body_bytes = size_t{16} << 20;
  std::chrono::milliseconds upstream_idle_timeout{300'000};
  std::optional<uint64_t> seed{};
};

// Parses argv (without the program name). --help yields Cancelled with the
// help text in `help_text`; errors are InvalidArgument naming the flag.
StatusOr<RouterOptions> ParseRouterOptions(const std::vector<std::string>& args,
                                           std::string& help_text);

}  // namespace tessera::router

#endif  // TESSERA_ROUTER_ROUTER_OPTIONS_H_
