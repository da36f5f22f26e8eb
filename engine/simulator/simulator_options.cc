#include "engine/simulator/simulator_options.h"

#include <algorithm>
#include <array>
#include <cstddef>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "base/json_fields.h"
#include "base/numbers.h"
#include "base/strings.h"
#include "base/units.h"
#include "base/yaml_json.h"
#include "engine/model/pipeline_stages.h"
#include "engine/model/resolve_model.h"
#include "engine/tokenizer/tokenizer_loader.h"
#include "hardware/gpu_catalog.h"

namespace tessera::simulator {
namespace {

constexpr auto kTimingNeutralFlags = std::to_array<PassThroughFlag>({
    {"--trust-remote-code", false,
     "lets Transformers run a model repository's own code; the simulator runs none"},
    {"--disable-log-requests", false, "vLLM's per-request log lines"},
    {"--enable-log-requests", false, "vLLM's per-request log lines (later releases)"},
    {"--disable-log-stats", false, "vLLM's periodic statistics log; /metrics is served either way"},
    {"--max-log-len", true, "how much of a prompt vLLM logs"},
    {"--uvicorn-log-level", true, "the HTTP server's log level"},
    {"--log-level", true, "SGLang's log level"},
    {"--log-requests", false, "SGLang's per-request log lines"},
    {"--enable-metrics", false, "SGLang serves /metrics only with it; the simulator always does"},
    {"--disable-fastapi-docs", false, "the server's /docs pages"},
    {"--download-dir", true,
     "where weights are downloaded; the simulator reads none (--load-time is loading)"},
    {"--load-format", true, "how weights are read from disk; --load-time is loading"},
    {"--revision", true,
     "which revision of the model repository; the architecture comes from the catalog"},
    {"--tokenizer-revision", true, "which revision of the tokenizer files"},
    {"--tokenizer-mode", true, "Hugging Face's fast or slow tokenizer: the same tokens"},
    {"--generation-config", true, "default sampling parameters, which do not change timing"},
    {"--chat-template", true,
     "the template's text; chats are counted in the tokenizer family's shape"},
    {"--response-role", true, "the role name in chat answers"},
    {"--enable-auto-tool-choice", false, "tool calls are parsed out of the output text"},
    {"--tool-call-parser", true, "tool calls are parsed out of the output text"},
    {"--swap-space", true,
     "CPU memory for V0's swap preemption of multi-sequence groups; a single sequence is "
     "preempted by recompute, as in the simulator"},
    {"--use-v2-block-manager", false, "vLLM 0.6's block manager choice; the paging is the same"},
    {"--distributed-executor-backend", true,
     "mp or ray: how the workers are started, not how fast they step"},
    {"--disable-frontend-multiprocessing", false,
     "whether vLLM's API server shares the engine's process"},
    {"--skip-server-warmup", false, "SGLang's warm-up request before serving"},
    {"--watchdog-timeout", true, "SGLang's hang watchdog"},
    {"--disaggregation-transfer-backend", true,
     "mooncake or nixl: the KV transport; its speed is --disaggregation-transfer-bandwidth"},
    {"--disaggregation-ib-device", true,
     "which NICs carry KV transfers; their speed is --disaggregation-transfer-bandwidth"},
});

constexpr auto kNotSimulatedFlags = std::to_array<PassThroughFlag>({
    {"--ngram-prompt-lookup-max", true,
     "the n-gram window; the share of proposals accepted is --speculative-acceptance-rate"},
    {"--ngram-prompt-lookup-min", true,
     "the n-gram window; the share of proposals accepted is --speculative-acceptance-rate"},
    {"--speculative-algorithm", true, "SGLang speculative decoding"},
    {"--speculative-draft-model-path", true, "SGLang speculative decoding"},
    {"--speculative-num-steps", true, "SGLang speculative decoding"},
    {"--speculative-eagle-topk", true, "SGLang speculative decoding"},
    {"--speculative-num-draft-tokens", true, "SGLang speculative decoding"},
    {"--enforce-eager", false,
     "no HIP/CUDA graphs, so slower launches; the step time assumes graphs"},
    {"--disable-cuda-graph", false, "SGLang's --enforce-eager; the step time assumes graphs"},
    {"--disable-custom-all-reduce", false,
     "RCCL/NCCL instead of the custom all-reduce; the all-reduce cost is one figure per GPU "
     "family"},
    {"--attention-backend", true,
     "which attention kernels; the step time has one efficiency per GPU family"},
    {"--schedule-policy", true,
     "SGLang's queue order (lpm, fcfs, ...); the simulator serves first come, first served"},
    {"--api-key", true, "requests' Authorization header is not checked"},
    {"--ssl-keyfile", true, "the simulator serves plain HTTP"},
    {"--ssl-certfile", true, "the simulator serves plain HTTP"},
});

// vLLM's argument parser reads "--flag_name" as "--flag-name" and has
// multi-letter short forms, which CLI11 does not.
std::vector<std::string> NormalizeEngineSpellings(const std::vector<std::string>& args) {
  std::vector<std::string> normalized;
  normalized.reserve(args.size());
  for (const std::string& arg : args) {
    if (arg == "-tp") {
      normalized.emplace_back("--tensor-parallel-size");
    } else if (arg == "-pp") {
      normalized.emplace_back("--pipeline-parallel-size");
    } else if (arg == "-q") {
      normalized.emplace_back("--quantization");
    } else if (arg.starts_with("--")) {
      std::string flag = arg;
      const size_t name_end = std::min(flag.find('='), flag.size());
      std::replace(flag.begin(), flag.begin() + static_cast<std::ptrdiff_t>(name_end), '_', '-');
      normalized.push_back(std::move(flag));
    } else {
      normalized.push_back(arg);
    }
  }
  return normalized;
}

struct GivenPassThrough {
  const PassThroughFlag* flag = nullptr;
  CLI::Option* option = nullptr;
};

void AddPassThroughFlags(CLI::App& app, std::span<const PassThroughFlag> flags,
                         std::string_view group, std::vector<GivenPassThrough>& added) {
  for (const PassThroughFlag& flag : flags) {
    CLI::Option* option = flag.takes_value ? app.add_option(std::string(flag.names))
                                           : app.add_flag(std::string(flag.names));
    option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
        ->group(std::string(group))
        ->description(std::string(flag.reason));
    added.push_back({&flag, option});
  }
}

// "--name value" (or "--name") for each pass-through flag the command line gave.
std::vector<std::string> Given(const std::vector<GivenPassThrough>& flags) {
  std::vector<std::string> given;
  for (const GivenPassThrough& entry : flags) {
    if (entry.option->count() == 0) continue;
    std::string text = entry.option->get_name();
    if (entry.flag->takes_value && !entry.option->results().empty()) {
      text += " " + entry.option->results().back();
    }
    given.push_back(std::move(text));
  }
  return given;
}

struct RawFlags {
  std::string model;
  std::string tokenizer;
  std::vector<std::string> served_model_names;
  std::string host = "127.0.0.1";
  int port = 8000;
  int64_t tensor_parallel_size = 1;
  int64_t pipeline_parallel_size = 1;
  int64_t max_model_len = 0;
  int64_t max_num_seqs = 256;
  int64_t max_num_batched_tokens = fit::kDefaultMaxNumBatchedTokens;
  double gpu_memory_utilization = fit::kDefaultGpuMemoryUtilization;
  std::string dtype = "auto";
  std::string kv_cache_dtype = "auto";
  std::string quantization;
  std::string speculative_model;
  int64_t num_speculative_tokens = 0;
  std::string speculative_config;
  double speculative_acceptance_rate = 0.7;
  bool enable_prefix_caching = true;
  bool disable_radix_cache = false;
  bool enable_chunked_prefill = true;
  int64_t num_scheduler_steps = 1;
  std::string multi_step_stream_outputs = "true";
  bool no_multi_step_stream_outputs = false;
  std::string hardware = "mi300x";
  std::string flavor = "vllm";
  uint64_t seed = 0;
  double time_scale = 1.0;
  std::string load_time = "0s";
  int64_t mean_output_len = 256;
  std::string fail_after;
  std::string hang_after;
  double error_rate = 0;
  std::string disaggregation_mode = "null";
  int disaggregation_bootstrap_port = 8998;
  std::string disaggregation_transfer_bandwidth = "50GB/s";
  std::string disaggregation_timeout = "300s";
  std::string kv_transfer_config;
  std::string kv_side_channel_host;
  int kv_side_channel_port = -1;  // -1: VLLM_NIXL_SIDE_CHANNEL_PORT, else 5600
  std::string kv_abort_request_timeout;
};

Status Flag(std::string_view flag, const Status& status) {
  return status.WithContext("--" + std::string(flag));
}

StatusOr<std::chrono::duration<double>> Seconds(std::string_view flag, const std::string& text) {
  StatusOr<std::chrono::nanoseconds> duration = ParseDuration(text);
  if (!duration.ok()) return Flag(flag, duration.status());
  return std::chrono::duration<double>(*duration);
}

// "50GB/s", "400Gb/s" (bits) or a byte size meaning per second.
StatusOr<double> BytesPerSecond(std::string_view flag, std::string_view text) {
  std::string_view size = text;
  if (size.ends_with("/s")) size.remove_suffix(2);
  double bits_per_unit = 1;
  if (size.ends_with('b') && !size.ends_with("ib")) {
    size.remove_suffix(1);
    bits_per_unit = 8;
  }
  StatusOr<uint64_t> bytes = ParseByteSize(size);
  if (!bytes.ok() || *bytes == 0) {
    return Flag(flag, InvalidArgumentError(
                          "must be a positive rate such as 50GB/s or 400Gb/s, got " + Quote(text)));
  }
  return static_cast<double>(*bytes) / bits_per_unit;
}

// vLLM's NIXL settings: each flag, else its environment variable, else
// vLLM's default.
Status ReadKvTransferFlags(const RawFlags& raw, const EnvironmentLookup& environment,
                           SimulatorOptions& options) {
  if (!raw.kv_transfer_config.empty()) {
    StatusOr<KvTransferConfig> config = ParseKvTransferConfig(raw.kv_transfer_config);
    if (!config.ok()) return Flag("kv-transfer-config", config.status());
    if (options.flavor != Flavor::kVllm) {
      return Flag("kv-transfer-config", InvalidArgumentError("is vLLM's; it needs --flavor vllm"));
    }
    if (options.disaggregation_mode != DisaggregationMode::kNone) {
      return Flag("kv-transfer-config",
                  InvalidArgumentError("cannot be combined with SGLang's --disaggregation-mode"));
    }
    options.kv_transfer = *std::move(config);
  }
  options.kv_side_channel_host =
      !raw.kv_side_channel_host.empty()
          ? raw.kv_side_channel_host
          : environment("VLLM_NIXL_SIDE_CHANNEL_HOST").value_or(raw.host);
  if (raw.kv_side_channel_port >= 0) {
    options.kv_side_channel_port = static_cast<uint16_t>(raw.kv_side_channel_port);
  } else if (const std::optional<std::string> port = environment("VLLM_NIXL_SIDE_CHANNEL_PORT")) {
    const std::optional<int64_t> parsed = ParseInteger<int64_t>(*port);
    if (!parsed || *parsed < 0 || *parsed > 65535) {
      return InvalidArgumentError(
          "VLLM_NIXL_SIDE_CHANNEL_PORT: must be a port from 0 to 65535, got " + Quote(*port));
    }
    options.kv_side_channel_port = static_cast<uint16_t>(*parsed);
  }
  if (!raw.kv_abort_request_timeout.empty()) {
    TESSERA_ASSIGN_OR_RETURN(options.kv_abort_request_timeout,
                             Seconds("kv-abort-request-timeout", raw.kv_abort_request_timeout));
  } else if (const std::optional<std::string> seconds =
                 environment("VLLM_NIXL_ABORT_REQUEST_TIMEOUT")) {
    // vLLM reads the variable as whole seconds.
    const std::optional<int64_t> parsed = ParseInteger<int64_t>(*seconds);
    if (!parsed) {
      return InvalidArgumentError(
          "VLLM_NIXL_ABORT_REQUEST_TIMEOUT: must be a whole number of seconds, got " +
          Quote(*seconds));
    }
    options.kv_abort_request_timeout = std::chrono::duration<double>(*parsed);
  }
  if (options.kv_abort_request_timeout.count() <= 0) {
    return Flag("kv-abort-request-timeout", InvalidArgumentError("must be positive"));
  }
  return OkStatus();
}

// vLLM's speculative decoding flags: 0.6's --speculative-model and
// --num-speculative-tokens, or V1's --speculative-config JSON. Methods other
// than a draft model and n-gram lookup are accepted but not simulated.
StatusOr<std::optional<SpeculativeDecoding>> ReadSpeculativeFlags(const RawFlags& raw,
                                                                  SimulatorOptions& options) {
  std::string method;
  std::string model;
  int64_t tokens = raw.num_speculative_tokens;
  if (!raw.speculative_config.empty()) {
    if (!raw.speculative_model.empty()) {
      return Flag("speculative-config",
                  InvalidArgumentError("give it or --speculative-model, not both"));
    }
    StatusOr<nlohmann::json> parsed = ParseJson(raw.speculative_config);
    if (!parsed.ok()) return Flag("speculative-config", parsed.status());
    JsonFields fields(*parsed, "");
    std::optional<std::string> given_method;
    std::optional<std::string> given_model;
    fields.Optional("method", given_method);
    fields.Optional("model", given_model);
    std::optional<int64_t> given_tokens;
    fields.Optional("num_speculative_tokens", given_tokens, 1, 1024);
    if (Status finished = fields.FinishIgnoringUnknown(); !finished.ok()) {
      return Flag("speculative-config", finished);
    }
    model = given_model.value_or("");
    method = given_method.value_or(model.empty() ? "" : "draft_model");
    if (method != "draft_model" && method != "ngram") {
      options.not_simulated_flags.push_back("--speculative-config " + raw.speculative_config);
      return std::optional<SpeculativeDecoding>();
    }
    if (!given_tokens) {
      return Flag("speculative-config",
                  InvalidArgumentError("num_speculative_tokens: is required"));
    }
    tokens = *given_tokens;
  } else if (!raw.speculative_model.empty()) {
    if (tokens == 0) {
      return Flag("num-speculative-tokens", InvalidArgumentError("is required with "
                                                                 "--speculative-model"));
    }
    method = raw.speculative_model == "[ngram]" ? "ngram" : "draft_model";
    model = raw.speculative_model;
  } else {
    if (tokens > 0) {
      return Flag("num-speculative-tokens", InvalidArgumentError("needs --speculative-model"));
    }
    return std::optional<SpeculativeDecoding>();
  }
  SpeculativeDecoding speculative;
  speculative.num_speculative_tokens = tokens;
  speculative.acceptance_rate = raw.speculative_acceptance_rate;
  if (method == "draft_model") {
    const std::string_view flag =
        raw.speculative_config.empty() ? "speculative-model" : "speculative-config";
    if (model.empty()) {
      return Flag(flag, InvalidArgumentError("model: is required with method draft_model"));
    }
    StatusOr<model::ModelArchitecture> draft = model::ResolveModel(model);
    if (!draft.ok()) return Flag(flag, draft.status());
    speculative.draft_model = *std::move(draft);
  }
  return std::optional<SpeculativeDecoding>(std::move(speculative));
}

}  // namespace

std::span<const PassThroughFlag> TimingNeutralFlags() { return kTimingNeutralFlags; }
std::span<const PassThroughFlag> NotSimulatedFlags() { return kNotSimulatedFlags; }

StatusOr<SimulatorOptions> ParseSimulatorOptions(const std::vector<std::string>& args,
                                                 std::string& help_text,
                                                 const EnvironmentLookup& environment) {
  CLI::App app("An OpenAI-compatible LLM engine simulator with a calibrated performance model",
               "tessera-engine-sim");
  // Collected rather than refused by CLI11 so that the error can name the flag.
  app.allow_extras();
  RawFlags raw;
  app.add_option("--model,--model-path", raw.model,
                 "Catalog name, Hugging Face id or model directory")
      ->required();
  app.add_option("--tokenizer,--tokenizer-path", raw.tokenizer,
                 "Count prompts and make output with this model's tokenizer: a tokenizer.json, a "
                 "directory holding one, or a Hugging Face model id in the local cache "
                 "(default: Tessera's stand-in, which tessera bench shares)");
  app.add_option("--served-model-name", raw.served_model_names, "Names the API accepts")
      ->expected(1, -1);
  app.add_option("--host", raw.host)->capture_default_str();
  app.add_option("--port", raw.port)->check(CLI::Range(0, 65535))->capture_default_str();
  app.add_option("--tensor-parallel-size,--tp,--tp-size", raw.tensor_parallel_size)
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--pipeline-parallel-size,--pp-size", raw.pipeline_parallel_size,
                 "Pipeline stages, each on its own tensor-parallel group (vLLM V0's virtual "
                 "engines)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--max-model-len,--context-length", raw.max_model_len,
                 "Default: the model's own limit")
      ->check(CLI::PositiveNumber);
  app.add_option("--max-num-seqs,--max-running-requests", raw.max_num_seqs)
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--max-num-batched-tokens,--chunked-prefill-size", raw.max_num_batched_tokens)
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--gpu-memory-utilization,--mem-fraction-static", raw.gpu_memory_utilization)
      ->check(CLI::Range(0.01, 1.0))
      ->capture_default_str();
  app.add_option("--dtype", raw.dtype)->capture_default_str();
  app.add_option("--kv-cache-dtype", raw.kv_cache_dtype)->capture_default_str();
  app.add_option("--quantization", raw.quantization,
                 "fp8: 8-bit weights (as --dtype fp8); other methods are not simulated");
  app.add_option("--speculative-model", raw.speculative_model,
                 "vLLM 0.6 speculative decoding: the draft model, or [ngram]");
  app.add_option("--num-speculative-tokens", raw.num_speculative_tokens,
                 "vLLM 0.6 speculative decoding: tokens proposed per step")
      ->check(CLI::PositiveNumber);
  app.add_option("--speculative-config", raw.speculative_config,
                 "vLLM V1 speculative decoding: JSON with method (draft_model or ngram), model and "
                 "num_speculative_tokens");
  app.add_option("--speculative-acceptance-rate", raw.speculative_acceptance_rate,
                 "Probability that each proposed token is accepted (kept up to the first rejected)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_flag("--enable-prefix-caching,!--no-enable-prefix-caching", raw.enable_prefix_caching);
  app.add_flag("--disable-radix-cache", raw.disable_radix_cache,
               "SGLang's --no-enable-prefix-caching");
  app.add_flag("--enable-chunked-prefill,!--no-enable-chunked-prefill", raw.enable_chunked_prefill);
  app.add_option("--num-scheduler-steps", raw.num_scheduler_steps,
                 "vLLM V0 multi-step: schedule once per this many steps")
      ->check(CLI::PositiveNumber);
  app.add_option("--multi-step-stream-outputs", raw.multi_step_stream_outputs,
                 "vLLM V0: false holds a multi-step run's tokens until the run ends")
      ->expected(0, 1)
      ->default_str("true");
  app.add_flag("--no-multi-step-stream-outputs", raw.no_multi_step_stream_outputs);
  app.add_option("--hardware", raw.hardware, "GPU and partition: mi300x, mi300x:cpx, ...")
      ->capture_default_str();
  app.add_option("--flavor", raw.flavor, "Which engine to behave like")
      ->check(CLI::IsMember({"vllm", "sglang"}))
      ->capture_default_str();
  app.add_option("--seed,--random-seed", raw.seed)->capture_default_str();
  app.add_option("--time-scale", raw.time_scale, "Wall seconds per simulated second")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--load-time", raw.load_time, "Simulated weight loading, e.g. 30s")
      ->capture_default_str();
  app.add_option("--mean-output-len", raw.mean_output_len,
                 "Mean tokens before the model stops on its own (0: never)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--fail-after", raw.fail_after, "The engine dies after this long, e.g. 10s");
  app.add_option("--hang-after", raw.hang_after, "The engine stops responding after this long");
  app.add_option("--error-rate", raw.error_rate, "Share of requests answered 500")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--disaggregation-mode", raw.disaggregation_mode)
      ->check(CLI::IsMember({"null", "prefill", "decode"}))
      ->capture_default_str();
  app.add_option("--disaggregation-bootstrap-port", raw.disaggregation_bootstrap_port)
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  app.add_option("--disaggregation-transfer-bandwidth", raw.disaggregation_transfer_bandwidth,
                 "KV transfer link per tensor-parallel rank, e.g. 50GB/s or 400Gb/s")
      ->capture_default_str();
  app.add_option("--disaggregation-timeout", raw.disaggregation_timeout,
                 "How long a prefill and a decode request wait for each other")
      ->capture_default_str();
  app.add_option("--kv-transfer-config", raw.kv_transfer_config,
                 "vLLM's KV connector JSON; NixlConnector runs vLLM's two-step "
                 "prefill/decode protocol");
  app.add_option("--kv-side-channel-host", raw.kv_side_channel_host,
                 "Where decode workers read KV blocks (default: $VLLM_NIXL_SIDE_CHANNEL_HOST, "
                 "else --host)");
  app.add_option("--kv-side-channel-port", raw.kv_side_channel_port,
                 "Its port (default: $VLLM_NIXL_SIDE_CHANNEL_PORT, else 5600; 0 picks a free one)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--kv-abort-request-timeout", raw.kv_abort_request_timeout,
                 "How long a prefill worker holds KV blocks nobody reads (default: "
                 "$VLLM_NIXL_ABORT_REQUEST_TIMEOUT seconds, else 480s)");
  std::vector<GivenPassThrough> timing_neutral;
  std::vector<GivenPassThrough> not_simulated;
  AddPassThroughFlags(app, kTimingNeutralFlags, "Engine flags that do not change timing",
                      timing_neutral);
  AddPassThroughFlags(app, kNotSimulatedFlags, "Engine flags accepted but not simulated",
                      not_simulated);

  try {
    const std::vector<std::string> normalized = NormalizeEngineSpellings(args);
    std::vector<std::string> reversed(normalized.rbegin(), normalized.rend());
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    help_text = app.help();
    return CancelledError("help requested");
  } catch (const CLI::ParseError& error) {
    return InvalidArgumentError(error.what());
  }

  if (const std::vector<std::string> extras = app.remaining(); !extras.empty()) {
    const auto flag = std::find_if(extras.begin(), extras.end(),
                                   [](const std::string& arg) { return arg.starts_with('-'); });
    if (flag == extras.end()) {
      return InvalidArgumentError("unexpected argument " + Quote(extras.front()) +
                                  " (the model is given with --model)");
    }
    const std::string name = flag->substr(0, flag->find('='));
    return InvalidArgumentError(
        name +
        ": not a flag of vLLM or SGLang that tessera-engine-sim knows; docs/engine-simulator.md "
        "lists the engine flags it models, those it accepts without effect on timing, and those "
        "it accepts but does not simulate");
  }

  SimulatorOptions options;
  options.timing_neutral_flags = Given(timing_neutral);
  options.not_simulated_flags = Given(not_simulated);
  options.model = raw.model;
  options.served_model_names =
      raw.served_model_names.empty() ? std::vector<std::string>{raw.model} : raw.served_model_names;
  options.host = raw.host;
  options.port = static_cast<uint16_t>(raw.port);
  options.flavor = raw.flavor == "sglang" ? Flavor::kSglang : Flavor::kVllm;
  options.time_scale = raw.time_scale;
  options.mean_output_len = raw.mean_output_len;
  options.error_rate = raw.error_rate;
  TESSERA_ASSIGN_OR_RETURN(options.load_time, Seconds("load-time", raw.load_time));
  if (!raw.fail_after.empty()) {
    TESSERA_ASSIGN_OR_RETURN(options.fail_after, Seconds("fail-after", raw.fail_after));
  }
  if (!raw.hang_after.empty()) {
    TESSERA_ASSIGN_OR_RETURN(options.hang_after, Seconds("hang-after", raw.hang_after));
  }
  options.disaggregation_mode = raw.disaggregation_mode == "prefill"  ? DisaggregationMode::kPrefill
                                : raw.disaggregation_mode == "decode" ? DisaggregationMode::kDecode
                                                                      : DisaggregationMode::kNone;
  options.disaggregation_bootstrap_port = static_cast<uint16_t>(raw.disaggregation_bootstrap_port);
  TESSERA_ASSIGN_OR_RETURN(
      options.disaggregation_transfer_bandwidth,
      BytesPerSecond("disaggregation-transfer-bandwidth", raw.disaggregation_transfer_bandwidth));
  TESSERA_ASSIGN_OR_RETURN(options.disaggregation_timeout,
                           Seconds("disaggregation-timeout", raw.disaggregation_timeout));
  if (options.disaggregation_timeout.count() <= 0) {
    return Flag("disaggregation-timeout", InvalidArgumentError("must be positive"));
  }
  TESSERA_RETURN_IF_ERROR(ReadKvTransferFlags(raw, environment, options));

  EngineConfig& engine = options.engine;
  StatusOr<model::ModelArchitecture> model = model::ResolveModel(raw.model);
  if (!model.ok()) return Flag("model", model.status());
  engine.memory.model = *std::move(model);
  engine.memory.weight_type = engine.memory.model.weight_type;
  if (raw.dtype != "auto") {
    StatusOr<hardware::DataType> type = hardware::ParseDataType(raw.dtype);
    if (!type.ok()) return Flag("dtype", type.status());
    engine.memory.weight_type = *type;
  }
  if (raw.quantization == "fp8") {
    // vLLM and SGLang quantize the weights to FP8 E4M3 at load time.
    engine.memory.weight_type = hardware::DataType::kFloat8E4M3;
  } else if (!raw.quantization.empty()) {
    options.not_simulated_flags.push_back("--quantization " + raw.quantization);
  }
  StatusOr<hardware::DataType> kv_type =
      hardware::ParseKvCacheDataType(raw.kv_cache_dtype, engine.memory.weight_type);
  if (!kv_type.ok()) return Flag("kv-cache-dtype", kv_type.status());
  engine.memory.kv_cache_type = *kv_type;
  StatusOr<hardware::PartitionProfile> partition = hardware::ParseHardware(raw.hardware);
  if (!partition.ok()) return Flag("hardware", partition.status());
  engine.memory.partition = *partition;
  engine.memory.tensor_parallel_size = raw.tensor_parallel_size;
  if (Status stages =
          model::CheckPipelineParallelSize(engine.memory.model, raw.pipeline_parallel_size);
      !stages.ok()) {
    return Flag("pipeline-parallel-size", stages);
  }
  engine.memory.pipeline_parallel_size = raw.pipeline_parallel_size;
  engine.memory.gpu_memory_utilization = raw.gpu_memory_utilization;
  engine.memory.max_model_len =
      raw.max_model_len > 0 ? raw.max_model_len : engine.memory.model.max_position_embeddings;
  bool enable_chunked_prefill = raw.enable_chunked_prefill;
  bool enable_prefix_caching = raw.enable_prefix_caching && !raw.disable_radix_cache;
  int64_t max_num_batched_tokens = raw.max_num_batched_tokens;
  if (raw.num_scheduler_steps > 1 && options.flavor == Flavor::kSglang) {
    return Flag("num-scheduler-steps",
                InvalidArgumentError("is vLLM V0's multi-step scheduling, which SGLang does not "
                                     "have (--flavor sglang)"));
  }
  if (raw.num_scheduler_steps > 1) {
    // --num-scheduler-steps exists only in vLLM V0, so V0's defaults apply:
    // chunked prefill only for contexts over 32K on NVIDIA GPUs (never on
    // ROCm), and, multi-step chunking no prompt, a token budget of the
    // whole context.
    if (app.get_option("--enable-chunked-prefill")->count() == 0) {
      enable_chunked_prefill = engine.memory.max_model_len > 32768 &&
                               !engine.memory.partition.gpu->name.starts_with("mi");
    }
    if (app.get_option("--max-num-batched-tokens")->count() == 0) {
      max_num_batched_tokens = std::max<int64_t>(engine.memory.max_model_len, 2048);
    }
    // V0 caches prefixes only when asked.
    if (app.get_option("--enable-prefix-caching")->count() == 0) enable_prefix_caching = false;
  }
  bool stream_outputs = !raw.no_multi_step_stream_outputs;
  if (const std::string& value = raw.multi_step_stream_outputs; !value.empty() && value != "true") {
    if (value == "false" || value == "False") {
      stream_outputs = false;
    } else if (value != "True") {
      return Flag("multi-step-stream-outputs",
                  InvalidArgumentError("must be true or false, got " + Quote(value)));
    }
  }
  engine.multi_step_stream_outputs = stream_outputs;
  engine.memory.max_num_batched_tokens = max_num_batched_tokens;
  // vLLM sizes activations for its largest batch of sequences.
  engine.memory.concurrency = 1;
  engine.scheduler.max_num_seqs = raw.max_num_seqs;
  engine.scheduler.max_num_batched_tokens = max_num_batched_tokens;
  engine.scheduler.max_model_len = engine.memory.max_model_len;
  engine.scheduler.enable_chunked_prefill = enable_chunked_prefill;
  engine.scheduler.num_scheduler_steps = raw.num_scheduler_steps;
  engine.enable_prefix_caching = enable_prefix_caching;
  TESSERA_ASSIGN_OR_RETURN(engine.speculative, ReadSpeculativeFlags(raw, options));
  if (engine.speculative) {
    if (raw.num_scheduler_steps > 1) {
      return Flag("num-scheduler-steps",
                  InvalidArgumentError("vLLM does not run multi-step scheduling with speculative "
                                       "decoding"));
    }
    if (raw.pipeline_parallel_size > 1) {
      return Flag("pipeline-parallel-size",
                  InvalidArgumentError("pipeline parallelism with speculative decoding is not "
                                       "simulated"));
    }
    engine.scheduler.num_speculative_tokens = engine.speculative->num_speculative_tokens;
  }
  engine.seed = raw.seed;
  if (!raw.tokenizer.empty()) {
    TESSERA_ASSIGN_OR_RETURN(engine.tokenizer,
                             tokenizer::LoadTokenizer(raw.tokenizer, environment));
  }
  if (Status valid = engine.memory.Validate(); !valid.ok()) return fit::NameFieldAsFlag(valid);
  return options;
}

}  // namespace tessera::simulator
