#include "wire/engine_arguments.h"

#include <algorithm>
#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/file.h"
#include "base/yaml_json.h"

namespace tessera::wire {
namespace {

using ::testing::HasSubstr;

Status Check(EngineKind kind, const std::vector<std::string>& arguments) {
  return CheckEngineExtraArguments(kind, arguments, "spec.engine.extraArgs");
}

TEST(EngineArgumentsTest, AcceptsAllowedFlagsWithTheirValues) {
  EXPECT_TRUE(Check(EngineKind::kVllm, {}).ok());
  EXPECT_TRUE(
      Check(EngineKind::kVllm, {"--seed", "7", "--enforce-eager", "--max-num-seqs=128"}).ok());
  // Several values after one flag (nargs=+), and negative numbers.
  EXPECT_TRUE(Check(EngineKind::kVllm, {"--cuda-graph-sizes", "1", "2", "4", "--seed", "-1"}).ok());
  EXPECT_TRUE(Check(EngineKind::kSglang, {"--disaggregation-ib-device", "rdma0"}).ok());
  EXPECT_TRUE(Check(EngineKind::kSim, {"--time-scale", "0.1", "--fail-after", "2s"}).ok());
}

TEST(EngineArgumentsTest, RefusesFlagsOffTheListNamingTheListsDoc) {
  const Status status = Check(EngineKind::kVllm, {"--seed", "1", "--trust-remote-code"});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              HasSubstr("spec.engine.extraArgs[2]: --trust-remote-code is not on vllm's extraArgs "
                        "allow-list (docs/resources.md#extra-engine-arguments)"));
  // SGLang's names are not vLLM's.
  EXPECT_THAT(Check(EngineKind::kVllm, {"--random-seed", "1"}).message(),
              HasSubstr("extraArgs[0]: --random-seed is not on vllm's"));
  EXPECT_THAT(Check(EngineKind::kSglang, {"--seed", "1"}).message(),
              HasSubstr("extraArgs[0]: --seed is not on sglang's"));
}

TEST(EngineArgumentsTest, RefusesWhatTesseraSetsNamingTheField) {
  EXPECT_THAT(Check(EngineKind::kVllm, {"--tensor-parallel-size", "8"}).message(),
              HasSubstr("extraArgs[0]: --tensor-parallel-size is set by Tessera from "
                        "tensorParallelSize and cannot be given in extraArgs"));
  EXPECT_THAT(Check(EngineKind::kVllm, {"--port=80"}).message(),
              HasSubstr("--port is set by Tessera from the agent"));
  EXPECT_THAT(Check(EngineKind::kVllm, {"--speculative-model", "x"}).message(),
              HasSubstr("--speculative-model is set by Tessera from spec.engine.speculative"));
  EXPECT_THAT(Check(EngineKind::kSglang, {"--pp-size", "2"}).message(),
              HasSubstr("--pp-size is set by Tessera from pipelineParallelSize"));
  EXPECT_THAT(Check(EngineKind::kSglang, {"--quantization", "fp8"}).message(),
              HasSubstr("--quantization is set by Tessera from spec.model.dtype"));
  EXPECT_THAT(Check(EngineKind::kSim, {"--hardware", "mi355x"}).message(),
              HasSubstr("--hardware is set by Tessera from the agent"));
  EXPECT_THAT(
      Check(EngineKind::kSim, {"--num-scheduler-steps", "8"}).message(),
      HasSubstr("--num-scheduler-steps is set by Tessera from spec.engine.numSchedulerSteps"));
}

TEST(EngineArgumentsTest, RefusesPositionalsShortOptionsAndNul) {
  EXPECT_THAT(Check(EngineKind::kVllm, {"other-model"}).message(),
              HasSubstr("extraArgs[0]: \"other-model\" is not a flag and follows none"));
  EXPECT_THAT(Check(EngineKind::kVllm, {"-tp", "8"}).message(),
              HasSubstr("extraArgs[0]: short option \"-tp\" is not accepted"));
  EXPECT_THAT(Check(EngineKind::kVllm, {"--seed", std::string("1\0x", 3)}).message(),
              HasSubstr("extraArgs[1]: must not contain a NUL character"));
}

TEST(EngineArgumentsTest, RouterArgumentsAreTheControllersOwn) {
  EXPECT_TRUE(Check(EngineKind::kRouter, {"--policy", "round_robin"}).ok());
  EXPECT_TRUE(AllowedExtraFlags(EngineKind::kRouter).empty());
}

TEST(EngineArgumentsTest, ListsAreSortedAndDisjointFromWhatTesseraSets) {
  for (EngineKind kind : {EngineKind::kVllm, EngineKind::kSglang, EngineKind::kSim}) {
    const std::vector<std::string_view> allowed = AllowedExtraFlags(kind);
    EXPECT_TRUE(std::is_sorted(allowed.begin(), allowed.end()));
    for (std::string_view flag : allowed) {
      EXPECT_TRUE(Check(kind, {std::string(flag)}).ok()) << flag;
    }
  }
}

// The CRD's CEL rules spell the allow-lists out again as regular
// expressions, for the API server: they must list the same flags.
TEST(EngineArgumentsTest, TheCrdsCelRulesListTheSameFlags) {
  StatusOr<std::string> text =
      ReadFile(TESSERA_SOURCE_DIR "/crds/serving.tessera.io_modeldeployments.yaml");
  ASSERT_TRUE(text.ok()) << text.status();
  StatusOr<nlohmann::json> crd = YamlToJson(*text);
  ASSERT_TRUE(crd.ok()) << crd.status();
  const nlohmann::json& rules = crd->at("spec")
                                    .at("versions")
                                    .at(0)
                                    .at("schema")
                                    .at("openAPIV3Schema")
                                    .at("properties")
                                    .at("spec")
                                    .at("properties")
                                    .at("engine")
                                    .at("x-kubernetes-validations");
  for (EngineKind kind : {EngineKind::kVllm, EngineKind::kSglang, EngineKind::kSim}) {
    const std::string name(EngineKindName(kind));
    std::set<std::string> listed;
    for (const nlohmann::json& rule : rules) {
      const std::string& message = rule.value("messageExpression", "");
      if (message.find("is not on " + name + "\\'s extraArgs allow-list") == std::string::npos) {
        continue;
      }
      // The first expression of the rule is the allow-list: ^--(a|b|c)(=.*)?$
      const std::string& expression = rule.at("rule").get<std::string>();
      const size_t start = expression.find("a.matches('^--(") + 15;
      const size_t end = expression.find(")(=.*)?$'", start);
      ASSERT_NE(end, std::string::npos) << expression;
      std::string names = expression.substr(start, end - start);
      size_t position = 0;
      while (position <= names.size()) {
        const size_t bar = std::min(names.find('|', position), names.size());
        listed.insert("--" + names.substr(position, bar - position));
        position = bar + 1;
      }
    }
    const std::vector<std::string_view> allowed = AllowedExtraFlags(kind);
    EXPECT_EQ(listed, std::set<std::string>(allowed.begin(), allowed.end())) << name;
  }
}

}  // namespace
}  // namespace tessera::wire
