#include "wire/engine_environment.h"

#include <algorithm>
#include <array>

#include "base/strings.h"

namespace tessera::wire {
namespace {

constexpr size_t kMaxValueBytes = 4096;

constexpr std::array<std::string_view, 21> kAllowedPrefixes = {
    "VLLM_",      "SGLANG_",       "NCCL_",          "RCCL_",
    "HF_",        "HUGGING_FACE_", "TRANSFORMERS_",  "TOKENIZERS_",
    "TORCH_",     "PYTORCH_",      "TORCHINDUCTOR_", "TRITON_",
    "MIOPEN_",    "HIP_",          "HSA_",           "ROCBLAS_",
    "HIPBLASLT_", "TENSILE_",      "AMD_",           "OMP_",
    "MKL_"};

constexpr std::array<std::string_view, 8> kCodeLoadingWords = {
    "LIB", "PRELOAD", "PLUGIN", "TOOLS", "PATH", "CACHE_DIR", "EXTENSIONS_DIR", "LOGGING_CONFIG"};

bool IsUpperCaseName(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

Status CheckEngineEnvironment(const std::map<std::string, std::string>& env,
                              std::string_view path) {
  for (const auto& entry : env) {
    // Not a structured binding: Clang 14 cannot capture one in a lambda.
    const std::string& name = entry.first;
    const std::string& value = entry.second;
    const std::string field = std::string(path) + "." + name;
    if (!IsUpperCaseName(name)) {
      return InvalidArgumentError(field +
                                  ": not an engine environment variable name (upper-case "
                                  "letters, digits and '_', not starting with a digit)");
    }
    if (name.ends_with("_VISIBLE_DEVICES") || name == "GPU_DEVICE_ORDINAL") {
      return InvalidArgumentError(field + ": is set by the agent from the worker's partitions");
    }
    for (std::string_view word : kCodeLoadingWords) {
      if (name.find(word) != std::string::npos) {
        return InvalidArgumentError(
            field + ": names code or a place code is loaded from (" + std::string(word) +
            "), which a spec may not set; an operator sets such a variable on the agent, whose "
            "environment workers inherit");
      }
    }
    const bool allowed =
        std::any_of(kAllowedPrefixes.begin(), kAllowedPrefixes.end(),
                    [&name](std::string_view prefix) { return name.starts_with(prefix); });
    if (!allowed) {
      return InvalidArgumentError(field +
                                  ": not an engine setting; a spec may set variables "
                                  "starting with " +
                                  Join(kAllowedPrefixes, ", "));
    }
    if (value.find('\0') != std::string::npos) {
      return InvalidArgumentError(field + ": must not contain a NUL character");
    }
    if (value.size() > kMaxValueBytes) {
      return InvalidArgumentError(field + ": at most " + std::to_string(kMaxValueBytes) +
                                  " bytes, got " + std::to_string(value.size()));
    }
  }
  return OkStatus();
}

}  // namespace tessera::wire
