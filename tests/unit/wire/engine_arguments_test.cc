#include "wire/engine_arguments.h"

#include <algorithm>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace tessera::wire
