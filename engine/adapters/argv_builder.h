// Small helpers the adapters share to spell flags.

#ifndef TESSERA_ENGINE_ADAPTERS_ARGV_BUILDER_H_
#define TESSERA_ENGINE_ADAPTERS_ARGV_BUILDER_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "engine/adapters/launch_plan.h"
#include "wire/worker_spec.h"

namespace tessera::adapters {

class ArgvBuilder {
 public:
  explicit ArgvBuilder(std::vector<std::string> prefix) : argv_(std::move(prefix)) {}

  ArgvBuilder& Add(std::string_view argument);
  ArgvBuilder& Flag(std::string_view flag, std::string_view value);
  ArgvBuilder& Flag(std::string_view flag, int value);
  ArgvBuilder& Flag(std::string_view flag, int64_t value);
  ArgvBuilder& Flag(std::string_view flag, double value);
  // Nothing when the setting is absent: the engine's own default applies.
  ArgvBuilder& FlagIfSet(std::string_view flag, const std::optional<int>& value);
  ArgvBuilder& FlagIfSet(std::string_view flag, const std::optional<int64_t>& value);
  ArgvBuilder& FlagIfSet(std::string_view flag, const std::optional<double>& value);
  ArgvBuilder& FlagIfSet(std::string_view flag, const std::optional<std::string>& value);
  ArgvBuilder& AddAll(const std::vector<std::string>& arguments);

  std::vector<std::string> Build() && { return std::move(argv_); }

 private:
  std::vector<std::string> argv_;
};

// "fp8" for engines that take the generic name; each engine's spelling
// otherwise. `accepted` lists the engine's names; `fp8_alias` is what "fp8"
// becomes. Errors name engine.kvCacheDtype.
StatusOr<std::optional<std::string>> EngineKvCacheDtype(const std::optional<std::string>& requested,
                                                        std::string_view engine,
                                                        const std::vector<std::string>& accepted,
                                                        std::string_view fp8_alias);

// InvalidArgument naming engine.speculative when `settings` asks for
// speculative decoding across pipeline stages, which neither vLLM nor
// SGLang runs (vLLM refuses it at start-up: a crash loop, not an error).
Status CheckSpeculativeWithoutPipeline(const wire::EngineSettings& settings,
                                       std::string_view engine);

// Whether `installation` speaks vLLM V1's flags (from 0.8, or no version
// given) rather than the 0.6-era V0 ones.
bool SpeaksVllmV1(const EngineInstallation& installation);

// "vLLM 0.6.6" or "vLLM (no version given: the current spellings)", for
// errors about flags a release does not have.
std::string DescribeVllmRelease(const EngineInstallation& installation);

// vLLM's speculative-decoding flags. 0.6-era: --speculative-model M
// --num-speculative-tokens K (ngram: --speculative-model "[ngram]" and
// --ngram-prompt-lookup-max 4), --speculative-draft-tensor-parallel-size.
// V1: one --speculative-config element holding JSON.
std::vector<std::string> VllmSpeculativeArguments(const wire::SpeculativeDecoding& speculative,
                                                  bool v1);

}  // namespace tessera::adapters

#endif  // TESSERA_ENGINE_ADAPTERS_ARGV_BUILDER_H_
