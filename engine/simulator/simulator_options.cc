#include "engine/simulator/simulator_options.h"

#include <CLI/CLI.hpp>

#include "base/numbers.h"
#include "base/strings.h"
#include "base/units.h"
#include "engine/model/resolve_model.h"
#include "engine/tokenizer/tokenizer_loader.h"
#include "hardware/gpu_catalog.h"

namespace tessera::simulator {
namespace {

struct RawFlags {
  std::string model;
  std::string tokenizer;
  std::vector<std::string> served_model_names;
  std::string host = "127.0.0.1";
  int port = 8000;
  int64_t tensor_parallel_size = 1;
  int64_t max_model_len = 0;
  int64_t max_num_seqs = 256;
  int64_t max_num_batched_tokens = fit::kDefaultMaxNumBatchedTokens;
  double gpu_memory_utilization = fit::kDefaultGpuMemoryUtilization;
  std::string dtype = "auto";
  std::string kv_cache_dtype = "auto";
  bool enable_prefix_caching = true;
  bool enable_chunked_prefill = true;
  int64_t num_scheduler_steps = 1;
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

}  // namespace

StatusOr<SimulatorOptions> ParseSimulatorOptions(const std::vector<std::string>& args,
                                                 std::string& help_text,
                                                 const EnvironmentLookup& environment) {
  CLI::App app("An OpenAI-compatible LLM engine simulator with a calibrated performance model",
               "tessera-engine-sim");
  app.allow_extras();
  RawFlags raw;
  app.add_option("--model", raw.model, "Catalog name, Hugging Face id or model directory")
      ->required();
  app.add_option("--tokenizer", raw.tokenizer,
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
  app.add_flag("--enable-prefix-caching,!--no-enable-prefix-caching", raw.enable_prefix_caching);
  app.add_flag("--enable-chunked-prefill,!--no-enable-chunked-prefill", raw.enable_chunked_prefill);
  app.add_option("--num-scheduler-steps", raw.num_scheduler_steps, "vLLM V0 multi-step")
      ->check(CLI::PositiveNumber);
  app.add_option("--hardware", raw.hardware, "GPU and partition: mi300x, mi300x:cpx, ...")
      ->capture_default_str();
  app.add_option("--flavor", raw.flavor, "Which engine to behave like")
      ->check(CLI::IsMember({"vllm", "sglang"}))
      ->capture_default_str();
  app.add_option("--seed", raw.seed)->capture_default_str();
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

  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    help_text = app.help();
    return CancelledError("help requested");
  } catch (const CLI::ParseError& error) {
    return InvalidArgumentError(error.what());
  }

  SimulatorOptions options;
  options.ignored_flags = app.remaining();
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
  StatusOr<hardware::DataType> kv_type =
      hardware::ParseKvCacheDataType(raw.kv_cache_dtype, engine.memory.weight_type);
  if (!kv_type.ok()) return Flag("kv-cache-dtype", kv_type.status());
  engine.memory.kv_cache_type = *kv_type;
  StatusOr<hardware::PartitionProfile> partition = hardware::ParseHardware(raw.hardware);
  if (!partition.ok()) return Flag("hardware", partition.status());
  engine.memory.partition = *partition;
  engine.memory.tensor_parallel_size = raw.tensor_parallel_size;
  engine.memory.gpu_memory_utilization = raw.gpu_memory_utilization;
  engine.memory.max_num_batched_tokens = raw.max_num_batched_tokens;
  engine.memory.max_model_len =
      raw.max_model_len > 0 ? raw.max_model_len : engine.memory.model.max_position_embeddings;
  // vLLM sizes activations for its largest batch of sequences.
  engine.memory.concurrency = 1;
  engine.scheduler.max_num_seqs = raw.max_num_seqs;
  engine.scheduler.max_num_batched_tokens = raw.max_num_batched_tokens;
  engine.scheduler.max_model_len = engine.memory.max_model_len;
  engine.scheduler.enable_chunked_prefill = raw.enable_chunked_prefill;
  engine.scheduler.num_scheduler_steps = raw.num_scheduler_steps;
  engine.enable_prefix_caching = raw.enable_prefix_caching;
  engine.seed = raw.seed;
  if (!raw.tokenizer.empty()) {
    TESSERA_ASSIGN_OR_RETURN(engine.tokenizer,
                             tokenizer::LoadTokenizer(raw.tokenizer, environment));
  }
  if (Status valid = engine.memory.Validate(); !valid.ok()) return fit::NameFieldAsFlag(valid);
  return options;
}

}  // namespace tessera::simulator
