#include "router/router_options.h"

#include <CLI/CLI.hpp>

#include "base/strings.h"
#include "base/units.h"

namespace tessera::router {
namespace {

struct RawFlags {
  std::string policy = "cache_aware";
  std::string prefill_policy;
  std::string decode_policy;
  std::string pd_protocol = "sglang";
  std::vector<std::string> workers;
  std::vector<std::string> prefills;
  std::vector<std::string> decodes;
  std::string first_byte_timeout = "120s";
  std::string worker_wait_timeout = "15s";
  std::string upstream_idle_timeout = "300s";
  std::string health_check_interval = "250ms";
  std::string health_check_timeout = "750ms";
  std::string max_body = "16MiB";
  uint64_t seed = 0;
};

Status Flag(std::string_view flag, const Status& status) {
  return status.WithContext("--" + std::string(flag));
}

StatusOr<std::chrono::milliseconds> Milliseconds(std::string_view flag, const std::string& text) {
  StatusOr<std::chrono::nanoseconds> duration = ParseDuration(text);
  if (!duration.ok()) return Flag(flag, duration.status());
  const auto milliseconds = std::chrono::duration_cast<std::chrono::milliseconds>(*duration);
  if (milliseconds.count() <= 0) {
    return Flag(flag, InvalidArgumentError("must be at least 1ms, got " + Quote(text)));
  }
  return milliseconds;
}

StatusOr<PolicyKind> Policy(std::string_view flag, const std::string& name,
                            const std::string& fallback) {
  StatusOr<PolicyKind> kind = ParsePolicyKind(name.empty() ? fallback : name);
  if (!kind.ok()) return Flag(flag, kind.status());
  return kind;
}

}  // namespace

StatusOr<RouterOptions> ParseRouterOptions(const std::vector<std::string>& args,
                                           std::string& help_text) {
  CLI::App app("One OpenAI endpoint in front of a deployment's engine workers", "tessera-router");
  RouterOptions options;
  RawFlags raw;
  app.add_option("--host", options.host)->capture_default_str();
  app.add_option("--port", options.port)->check(CLI::Range(0, 65535))->capture_default_str();
  app.add_option("--served-model-name", options.served_model_names,
                 "Model names the endpoint answers to")
      ->required()
      ->expected(1, -1);
  app.add_option("--worker", raw.workers, "An aggregated worker's base URL")->expected(1, -1);
  app.add_option("--prefill", raw.prefills,
                 "A prefill worker's base URL, then ,BOOTSTRAP_PORT for SGLang")
      ->expected(1, -1);
  app.add_option("--decode", raw.decodes, "A decode worker's base URL")->expected(1, -1);
  app.add_option("--policy", raw.policy, "round_robin, least_load or cache_aware, for every role")
      ->capture_default_str();
  app.add_option("--prefill-policy", raw.prefill_policy, "Default: --policy");
  app.add_option("--decode-policy", raw.decode_policy, "Default: --policy");
  app.add_option("--pd-protocol", raw.pd_protocol, "Prefill/decode hand-off: sglang or vllm")
      ->capture_default_str();
  app.add_option("--cache-threshold", options.cache_aware.cache_threshold,
                 "cache_aware: the share of the prompt a worker must hold to get it")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--balance-abs-threshold", options.cache_aware.balance_abs_threshold,
                 "cache_aware: load difference (requests) that counts as imbalanced")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--balance-rel-threshold", options.cache_aware.balance_rel_threshold,
                 "cache_aware: load ratio that counts as imbalanced")
      ->check(CLI::Range(1.0, 1e9))
      ->capture_default_str();
  app.add_option("--max-tree-size", options.cache_aware.max_tree_chars,
                 "cache_aware: prompt characters remembered per worker")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--max-retries", options.proxy.max_retries,
                 "Other workers to try when one fails before the first byte")
      ->check(CLI::Range(0, 16))
      ->capture_default_str();
  app.add_option("--first-byte-timeout", raw.first_byte_timeout,
                 "Deadline of each leg: prefill answered, decode's first byte")
      ->capture_default_str();
  app.add_option("--worker-wait-timeout", raw.worker_wait_timeout,
                 "How long a request waits when no worker of a role is available")
      ->capture_default_str();
  app.add_option("--upstream-idle-timeout", raw.upstream_idle_timeout,
                 "Longest silence within a worker's answer")
      ->capture_default_str();
  app.add_option("--health-check-interval", raw.health_check_interval)->capture_default_str();
  app.add_option("--health-check-timeout", raw.health_check_timeout)->capture_default_str();
  app.add_option("--circuit-breaker-failures", options.breaker.failure_threshold,
                 "Failures in a row that open a worker's circuit")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--max-body-size", raw.max_body, "Largest request body")->capture_default_str();
  app.add_option("--admin-token-file", options.admin_token_file,
                 "Bearer token(s) /admin/* requires, one per line");
  app.add_option("--api-key-file", options.api_key_file,
                 "API keys clients must send on /v1/*, one per line");
  CLI::Option* seed = app.add_option("--seed", raw.seed, "Seeds random choices (default: random)");

  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    help_text = app.help();
    return CancelledError("help requested");
  } catch (const CLI::ParseError& error) {
    return InvalidArgumentError(error.what());
  }

  for (const std::string& name : options.served_model_names) {
    if (name.empty()) {
      return InvalidArgumentError("--served-model-name: a name must not be empty");
    }
  }
  StatusOr<PolicyKind> policy = Policy("policy", raw.policy, raw.policy);
  if (!policy.ok()) return policy.status();
  options.aggregated_policy = *policy;
  StatusOr<PolicyKind> prefill_policy = Policy("prefill-policy", raw.prefill_policy, raw.policy);
  if (!prefill_policy.ok()) return prefill_policy.status();
  options.prefill_policy = *prefill_policy;
  StatusOr<PolicyKind> decode_policy = Policy("decode-policy", raw.decode_policy, raw.policy);
  if (!decode_policy.ok()) return decode_policy.status();
  options.decode_policy = *decode_policy;
  StatusOr<HandoffProtocol> protocol = ParseHandoffProtocol(raw.pd_protocol);
  if (!protocol.ok()) return Flag("pd-protocol", protocol.status());
  options.proxy.protocol = *protocol;

  const std::pair<const std::vector<std::string>*, wire::WorkerRole> flag_roles[] = {
      {&raw.workers, wire::WorkerRole::kAggregated},
      {&raw.prefills, wire::WorkerRole::kPrefill},
      {&raw.decodes, wire::WorkerRole::kDecode}};
  for (const auto& [values, role] : flag_roles) {
    for (const std::string& value : *values) {
      StatusOr<WorkerEndpoint> worker = ParseWorkerFlag(value, role);
      if (!worker.ok()) {
        return Flag(role == wire::WorkerRole::kAggregated ? "worker" : wire::WorkerRoleName(role),
                    worker.status());
      }
      options.workers.push_back(*std::move(worker));
    }
  }

  const std::pair<std::string_view, const std::string*> durations[] = {
      {"first-byte-timeout", &raw.first_byte_timeout},
      {"worker-wait-timeout", &raw.worker_wait_timeout},
      {"upstream-idle-timeout", &raw.upstream_idle_timeout},
      {"health-check-interval", &raw.health_check_interval},
      {"health-check-timeout", &raw.health_check_timeout}};
  std::chrono::milliseconds* const targets[] = {
      &options.proxy.first_byte_timeout, &options.proxy.worker_wait_timeout,
      &options.upstream_idle_timeout, &options.health.interval, &options.health.timeout};
  for (size_t i = 0; i < std::size(durations); ++i) {
    StatusOr<std::chrono::milliseconds> value =
        Milliseconds(durations[i].first, *durations[i].second);
    if (!value.ok()) return value.status();
    *targets[i] = *value;
  }
  StatusOr<uint64_t> max_body = ParseByteSize(raw.max_body);
  if (!max_body.ok() || *max_body < 1024) {
    return InvalidArgumentError("--max-body-size: must be a size of at least 1KiB, got " +
                                Quote(raw.max_body));
  }
  options.max_body_bytes = static_cast<size_t>(*max_body);
  if (seed->count() > 0) options.seed = raw.seed;
  return options;
}

}  // namespace tessera::router
