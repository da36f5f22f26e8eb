#include "engine/adapters/argv_builder.h"

#include <algorithm>
#include <array>
#include <charconv>

#include <nlohmann/json.hpp>

#include "base/strings.h"

namespace tessera::adapters {

ArgvBuilder& ArgvBuilder::Add(std::string_view argument) {
  argv_.emplace_back(argument);
  return *this;
}

ArgvBuilder& ArgvBuilder::Flag(std::string_view flag, std::string_view value) {
  argv_.emplace_back(flag);
  argv_.emplace_back(value);
  return *this;
}

ArgvBuilder& ArgvBuilder::Flag(std::string_view flag, int value) {
  const std::string text = std::to_string(value);
  return Flag(flag, std::string_view{text});
}

ArgvBuilder& ArgvBuilder::Flag(std::string_view flag, int64_t value) {
  const std::string text = std::to_string(value);
  return Flag(flag, std::string_view{text});
}

ArgvBuilder& ArgvBuilder::Flag(std::string_view flag, double value) {
  // Shortest text that reads back as the same double: "0.9", not "0.900000".
  std::array<char, 32> text{};
  const std::to_chars_result result = std::to_chars(text.data(), text.data() + text.size(), value);
  return Flag(flag, std::string_view(text.data(), static_cast<size_t>(result.ptr - text.data())));
}

ArgvBuilder& ArgvBuilder::FlagIfSet(std::string_view flag, const std::optional<int>& value) {
  if (value) Flag(flag, *value);
  return *this;
}

ArgvBuilder& ArgvBuilder::FlagIfSet(std::string_view flag, const std::optional<int64_t>& value) {
  if (value) Flag(flag, *value);
  return *this;
}

ArgvBuilder& ArgvBuilder::FlagIfSet(std::string_view flag, const std::optional<double>& value) {
  if (value) Flag(flag, *value);
  return *this;
}

ArgvBuilder& ArgvBuilder::FlagIfSet(std::string_view flag,
                                    const std::optional<std::string>& value) {
  if (value) Flag(flag, std::string_view{*value});
  return *this;
}

ArgvBuilder& ArgvBuilder::AddAll(const std::vector<std::string>& arguments) {
  argv_.insert(argv_.end(), arguments.begin(), arguments.end());
  return *this;
}

StatusOr<std::optional<std::string>> EngineKvCacheDtype(const std::optional<std::string>& requested,
                                                        std::string_view engine,
                                                        const std::vector<std::string>& accepted,
                                                        std::string_view fp8_alias) {
  if (!requested) return std::optional<std::string>();
  const std::string name = AsciiLower(*requested);
  if (name == "fp8") return std::optional<std::string>(std::string(fp8_alias));
  if (std::find(accepted.begin(), accepted.end(), name) != accepted.end()) {
    return std::optional<std::string>(name);
  }
  return InvalidArgumentError("engine.kvCacheDtype: " + std::string(engine) +
                              " has no KV-cache dtype " + Quote(*requested) +
                              "; expected fp8 or one of " + Join(accepted, ", "));
}

Status CheckSpeculativeWithoutPipeline(const wire::EngineSettings& settings,
                                       std::string_view engine) {
  if (!settings.speculative || settings.pipeline_parallel_size == 1) return OkStatus();
  return InvalidArgumentError("engine.speculative: " + std::string(engine) +
                              " does not run speculative decoding with pipelineParallelSize " +
                              std::to_string(settings.pipeline_parallel_size));
}

bool SpeaksVllmV1(const EngineInstallation& installation) {
  return !installation.version || *installation.version >= kVllmV1;
}

std::string DescribeVllmRelease(const EngineInstallation& installation) {
  if (!installation.version) {
    return "vLLM (the agent's engine entry " + Quote(installation.name) +
           " gives no version: V1 spellings)";
  }
  return "vLLM " + installation.version->ToString();
}

std::vector<std::string> VllmSpeculativeArguments(const wire::SpeculativeDecoding& speculative,
                                                  bool v1) {
  const bool ngram = speculative.method == "ngram";
  if (v1) {
    nlohmann::json config = {{"method", ngram                           ? "ngram"
                                        : speculative.method == "eagle" ? "eagle"
                                                                        : "draft_model"},
                             {"num_speculative_tokens", speculative.num_speculative_tokens}};
    if (!ngram) config["model"] = speculative.draft_model;
    if (speculative.draft_tensor_parallel_size) {
      config["draft_tensor_parallel_size"] = *speculative.draft_tensor_parallel_size;
    }
    return {"--speculative-config", config.dump()};
  }
  std::vector<std::string> arguments = {
      "--speculative-model", ngram ? "[ngram]" : speculative.draft_model,
      "--num-speculative-tokens", std::to_string(speculative.num_speculative_tokens)};
  if (ngram) {
    // vLLM 0.6 has no default for the lookup window.
    arguments.insert(arguments.end(), {"--ngram-prompt-lookup-max", "4"});
  }
  if (speculative.draft_tensor_parallel_size) {
    arguments.insert(arguments.end(), {"--speculative-draft-tensor-parallel-size",
                                       std::to_string(*speculative.draft_tensor_parallel_size)});
  }
  return arguments;
}

}  // namespace tessera::adapters
