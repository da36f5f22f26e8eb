#include "wire/engine_arguments.h"

#include <algorithm>
#include <array>
#include <span>

#include "base/strings.h"

namespace tessera::wire {
namespace {

// A flag Tessera sets itself, and where its value comes from.
struct ReservedFlag {
  std::string_view flag;
  std::string_view source;
};

constexpr std::string_view kPlacement =
    "placement (the worker's partitions: tensorParallelSize × pipelineParallelSize)";
constexpr std::string_view kAgent = "the agent";
constexpr std::string_view kSpeculative = "spec.engine.speculative";

// vLLM's names; tessera-engine-sim takes the same.
constexpr auto kVllmReserved = std::to_array<ReservedFlag>({
    {"--model", "spec.model.source"},
    {"--host", kAgent},
    {"--port", kAgent},
    {"--served-model-name", "spec.model.servedName"},
    {"--tensor-parallel-size", "tensorParallelSize"},
    {"--pipeline-parallel-size", "pipelineParallelSize"},
    {"--data-parallel-size", kPlacement},
    {"--max-model-len", "spec.engine.maxModelLen"},
    {"--gpu-memory-utilization", "spec.engine.gpuMemoryUtilization"},
    {"--kv-cache-dtype", "spec.engine.kvCacheDtype"},
    {"--enable-prefix-caching", "spec.engine.enablePrefixCaching"},
    {"--no-enable-prefix-caching", "spec.engine.enablePrefixCaching"},
    {"--kv-transfer-config", "spec.mode (disaggregated)"},
    {"--speculative-model", kSpeculative},
    {"--speculative-config", kSpeculative},
    {"--num-speculative-tokens", kSpeculative},
    {"--speculative-draft-tensor-parallel-size", kSpeculative},
    {"--ngram-prompt-lookup-max", kSpeculative},
    {"--ngram-prompt-lookup-min", kSpeculative},
    {"--num-scheduler-steps", "spec.engine.numSchedulerSteps"},
    {"--max-num-batched-tokens", "spec.engine.maxNumBatchedTokens"},
    {"--quantization", "spec.model.dtype"},
    {"--dtype", "spec.model.dtype"},
});

constexpr auto kSimOnlyReserved = std::to_array<ReservedFlag>({
    {"--tp", "tensorParallelSize"},
    {"--tp-size", "tensorParallelSize"},
    {"--context-length", "spec.engine.maxModelLen"},
    {"--mem-fraction-static", "spec.engine.gpuMemoryUtilization"},
    {"--chunked-prefill-size", "spec.engine.maxNumBatchedTokens"},
    {"--flavor", "the agent's engine entry (flavor)"},
    {"--hardware", kAgent},
    {"--disaggregation-mode", "spec.mode (disaggregated)"},
    {"--disaggregation-bootstrap-port", kAgent},
    {"--kv-side-channel-host", kAgent},
    {"--kv-side-channel-port", kAgent},
});

constexpr auto kSglangReserved = std::to_array<ReservedFlag>({
    {"--model-path", "spec.model.source"},
    {"--model", "spec.model.source"},
    {"--served-model-name", "spec.model.servedName"},
    {"--host", kAgent},
    {"--port", kAgent},
    {"--tp-size", "tensorParallelSize"},
    {"--tp", "tensorParallelSize"},
    {"--pp-size", "pipelineParallelSize"},
    {"--dp-size", kPlacement},
    {"--context-length", "spec.engine.maxModelLen"},
    {"--mem-fraction-static", "spec.engine.gpuMemoryUtilization"},
    {"--kv-cache-dtype", "spec.engine.kvCacheDtype"},
    {"--disable-radix-cache", "spec.engine.enablePrefixCaching"},
    {"--enable-metrics", "Tessera (always on: the agent scrapes the engine)"},
    {"--disaggregation-mode", "spec.mode (disaggregated)"},
    {"--disaggregation-bootstrap-port", kAgent},
    {"--quantization", "spec.model.dtype"},
    {"--dtype", "spec.model.dtype"},
    {"--chunked-prefill-size", "spec.engine.maxNumBatchedTokens"},
    {"--speculative-algorithm", kSpeculative},
    {"--speculative-draft-model-path", kSpeculative},
    {"--speculative-num-steps", kSpeculative},
    {"--speculative-eagle-topk", kSpeculative},
    {"--speculative-num-draft-tokens", kSpeculative},
});

// Reviewed: each changes how the engine schedules, logs or parses, within
// the partitions the worker holds. Left out on purpose: flags that run code
// from the model or a path (--trust-remote-code, --worker-cls, chat
// templates and plugins), that use more devices than the worker holds
// (data parallelism), or that move the engine off what the agent watches.
constexpr auto kVllmAllowed = std::to_array<std::string_view>({
    "--block-size",
    "--cuda-graph-sizes",
    "--disable-async-output-proc",
    "--disable-cascade-attn",
    "--disable-custom-all-reduce",
    "--disable-log-requests",
    "--disable-log-stats",
    "--disable-sliding-window",
    "--enable-auto-tool-choice",
    "--enable-chunked-prefill",
    "--enable-expert-parallel",
    "--enforce-eager",
    "--guided-decoding-backend",
    "--load-format",
    "--long-prefill-token-threshold",
    "--max-logprobs",
    "--max-num-partial-prefills",
    "--max-num-seqs",
    "--max-seq-len-to-capture",
    "--multi-step-stream-outputs",
    "--no-enable-chunked-prefill",
    "--num-lookahead-slots",
    "--preemption-mode",
    "--reasoning-parser",
    "--revision",
    "--scheduling-policy",
    "--seed",
    "--swap-space",
    "--tokenizer-mode",
    "--tool-call-parser",
    "--uvicorn-log-level",
});

constexpr auto kSglangAllowed = std::to_array<std::string_view>({
    "--attention-backend",
    "--cuda-graph-max-bs",
    "--disable-cuda-graph",
    "--disable-overlap-schedule",
    "--disaggregation-ib-device",
    "--disaggregation-transfer-backend",
    "--enable-mixed-chunk",
    "--enable-torch-compile",
    "--grammar-backend",
    "--load-format",
    "--log-level",
    "--log-requests",
    "--max-prefill-tokens",
    "--max-running-requests",
    "--max-total-tokens",
    "--num-continuous-decode-steps",
    "--page-size",
    "--random-seed",
    "--reasoning-parser",
    "--revision",
    "--sampling-backend",
    "--schedule-conservativeness",
    "--schedule-policy",
    "--stream-interval",
    "--tool-call-parser",
    "--torch-compile-max-bs",
    "--watchdog-timeout",
});

// The simulator's own knobs (time scale, fault injection) and the vLLM
// flags it models.
constexpr auto kSimAllowed = std::to_array<std::string_view>({
    "--disaggregation-timeout",
    "--disaggregation-transfer-bandwidth",
    "--enable-chunked-prefill",
    "--error-rate",
    "--fail-after",
    "--hang-after",
    "--kv-abort-request-timeout",
    "--load-time",
    "--max-num-seqs",
    "--max-running-requests",
    "--mean-output-len",
    "--no-enable-chunked-prefill",
    "--seed",
    "--time-scale",
    "--tokenizer",
});

std::span<const std::string_view> Allowed(EngineKind kind) {
  switch (kind) {
    case EngineKind::kVllm:
      return kVllmAllowed;
    case EngineKind::kSglang:
      return kSglangAllowed;
    case EngineKind::kSim:
      return kSimAllowed;
    case EngineKind::kRouter:
      break;
  }
  return {};
}

const ReservedFlag* FindReserved(std::span<const ReservedFlag> table, std::string_view flag) {
  const auto found = std::find_if(table.begin(), table.end(),
                                  [flag](const ReservedFlag& entry) { return entry.flag == flag; });
  return found == table.end() ? nullptr : &*found;
}

const ReservedFlag* Reserved(EngineKind kind, std::string_view flag) {
  switch (kind) {
    case EngineKind::kVllm:
      return FindReserved(kVllmReserved, flag);
    case EngineKind::kSglang:
      return FindReserved(kSglangReserved, flag);
    case EngineKind::kSim:
      if (const ReservedFlag* reserved = FindReserved(kVllmReserved, flag)) return reserved;
      return FindReserved(kSimOnlyReserved, flag);
    case EngineKind::kRouter:
      break;
  }
  return nullptr;
}

// "-1" and "-0.5" are values; "-tp" is a short option.
bool LooksLikeFlag(std::string_view argument) {
  if (argument.size() < 2 || argument[0] != '-') return false;
  if (argument[1] == '-') return true;
  const bool number = (argument[1] >= '0' && argument[1] <= '9') || argument[1] == '.';
  return !number;
}

Status NotAFlag(const std::string& field, const std::string& argument, const std::string& engine) {
  return InvalidArgumentError(field + ": " + Quote(argument) +
                              " is not a flag and follows none: extraArgs are --flags from " +
                              engine + "'s allow-list and their values (" +
                              std::string(kExtraArgumentsDoc) + ")");
}

Status ShortOption(const std::string& field, const std::string& argument,
                   const std::string& engine) {
  return InvalidArgumentError(field + ": short option " + Quote(argument) +
                              " is not accepted; spell the flag out (--name) from " + engine +
                              "'s allow-list (" + std::string(kExtraArgumentsDoc) + ")");
}

Status SetByTessera(const std::string& field, std::string_view flag, std::string_view source) {
  return InvalidArgumentError(field + ": " + std::string(flag) + " is set by Tessera from " +
                              std::string(source) + " and cannot be given in extraArgs");
}

Status NotAllowed(const std::string& field, std::string_view flag, const std::string& engine) {
  return InvalidArgumentError(field + ": " + std::string(flag) + " is not on " + engine +
                              "'s extraArgs allow-list (" + std::string(kExtraArgumentsDoc) + ")");
}

}  // namespace

std::vector<std::string_view> AllowedExtraFlags(EngineKind kind) {
  const std::span<const std::string_view> allowed = Allowed(kind);
  return {allowed.begin(), allowed.end()};
}

Status CheckEngineExtraArguments(EngineKind kind, const std::vector<std::string>& arguments,
                                 std::string_view path) {
  if (kind == EngineKind::kRouter) return OkStatus();
  const std::string engine(EngineKindName(kind));
  const std::span<const std::string_view> allowed = Allowed(kind);
  bool after_flag = false;
  for (size_t i = 0; i < arguments.size(); ++i) {
    const std::string& argument = arguments[i];
    const std::string field = std::string(path) + "[" + std::to_string(i) + "]";
    if (argument.find('\0') != std::string::npos) {
      return InvalidArgumentError(field + ": must not contain a NUL character");
    }
    if (!LooksLikeFlag(argument)) {
      if (!after_flag) return NotAFlag(field, argument, engine);
      continue;
    }
    if (!argument.starts_with("--")) return ShortOption(field, argument, engine);
    const std::string_view flag = std::string_view(argument).substr(0, argument.find('='));
    after_flag = true;
    if (const ReservedFlag* reserved = Reserved(kind, flag); reserved != nullptr) {
      return SetByTessera(field, flag, reserved->source);
    }
    if (std::find(allowed.begin(), allowed.end(), flag) == allowed.end()) {
      return NotAllowed(field, flag, engine);
    }
  }
  return OkStatus();
}

}  // namespace tessera::wire
