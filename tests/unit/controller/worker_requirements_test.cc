#include "controller/placement/worker_requirements.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/yaml_json.h"

namespace tessera::controller {
namespace {

using ::testing::HasSubstr;

resources::ModelDeploymentSpec Spec(std::string_view yaml) {
  StatusOr<nlohmann::json> json = YamlToJson(yaml);
  EXPECT_TRUE(json.ok()) << json.status();
  StatusOr<resources::ModelDeploymentSpec> spec = resources::ModelDeploymentSpecFromJson(*json);
  EXPECT_TRUE(spec.ok()) << spec.status();
  return spec.ok() ? *spec : resources::ModelDeploymentSpec{};
}

StatusOr<WorkerRequirement> Requirement(std::string_view yaml) {
  const resources::ModelDeploymentSpec spec = Spec(yaml);
  StatusOr<model::ModelArchitecture> model = ResolveDeploymentModel(spec);
  if (!model.ok()) return model.status();
  return RequirementFor(*model, spec, wire::WorkerRole::kAggregated);
}

constexpr std::string_view kEngine = "engine: {kind: vllm, maxModelLen: 8192";

TEST(WorkerRequirementsTest, PipelineStagesShareTheWeights) {
  StatusOr<WorkerRequirement> tensor =
      Requirement("model: {source: llama-3.1-70b}\n" + std::string(kEngine) +
                  "}\nworker: {replicas: 1, tensorParallelSize: 2}\n");
  StatusOr<WorkerRequirement> pipeline =
      Requirement("model: {source: llama-3.1-70b}\n" + std::string(kEngine) +
                  "}\nworker: {replicas: 1, tensorParallelSize: 2, pipelineParallelSize: 4}\n");
  ASSERT_TRUE(tensor.ok()) << tensor.status();
  ASSERT_TRUE(pipeline.ok()) << pipeline.status();
  EXPECT_EQ(tensor->partitions, 2);
  EXPECT_EQ(pipeline->partitions, 8);
  // A quarter of the layers on each stage: well under half the TP 2 share.
  EXPECT_LT(pipeline->min_partition_vram_bytes * 2, tensor->min_partition_vram_bytes);
}

TEST(WorkerRequirementsTest, Fp8WeightsAndADraftModelAreCounted) {
  const std::string base = "model: {source: llama-3.1-8b}\n" + std::string(kEngine);
  StatusOr<WorkerRequirement> plain = Requirement(base + "}\nworker: {replicas: 1}\n");
  StatusOr<WorkerRequirement> fp8 =
      Requirement("model: {source: llama-3.1-8b, dtype: fp8}\n" + std::string(kEngine) +
                  "}\nworker: {replicas: 1}\n");
  StatusOr<WorkerRequirement> drafted =
      Requirement(base +
                  ", speculative: {method: draft, draftModel: meta-llama/Llama-3.2-1B-Instruct, "
                  "numSpeculativeTokens: 5}}\nworker: {replicas: 1}\n");
  StatusOr<WorkerRequirement> eagle =
      Requirement(base +
                  ", speculative: {method: eagle, draftModel: yuhuili/EAGLE-LLaMA3.1-Instruct-8B, "
                  "numSpeculativeTokens: 5}}\nworker: {replicas: 1}\n");
  ASSERT_TRUE(plain.ok()) << plain.status();
  ASSERT_TRUE(fp8.ok()) << fp8.status();
  ASSERT_TRUE(drafted.ok()) << drafted.status();
  ASSERT_TRUE(eagle.ok()) << eagle.status();
  EXPECT_LT(fp8->min_partition_vram_bytes, plain->min_partition_vram_bytes);
  // Llama 3.2 1B's weights alone are over 2 GB in bfloat16.
  EXPECT_GT(drafted->min_partition_vram_bytes,
            plain->min_partition_vram_bytes + (int64_t{2} << 30));
  // An EAGLE head is not in the catalog: not counted.
  EXPECT_EQ(eagle->min_partition_vram_bytes, plain->min_partition_vram_bytes);
}

TEST(WorkerRequirementsTest, ADraftOfAnotherVocabularyIsRefused) {
  StatusOr<WorkerRequirement> requirement = Requirement(
      "model: {source: llama-3.1-8b}\n" + std::string(kEngine) +
      ", speculative: {method: draft, draftModel: Qwen/Qwen3-8B, numSpeculativeTokens: 5}}\n"
      "worker: {replicas: 1}\n");
  ASSERT_FALSE(requirement.ok());
  EXPECT_THAT(requirement.status().message(),
              HasSubstr("spec.engine.speculative.draftModel: qwen3-8b's vocabulary of 151936 "
                        "tokens differs from llama-3.1-8b's 128256"));
}

TEST(WorkerRequirementsTest, MorePipelineStagesThanLayersNameTheField) {
  StatusOr<WorkerRequirement> requirement =
      Requirement("model: {source: llama-3.2-1b}\n" + std::string(kEngine) +
                  "}\nworker: {replicas: 1, pipelineParallelSize: 32}\n");
  ASSERT_FALSE(requirement.ok());
  EXPECT_THAT(
      requirement.status().message(),
      HasSubstr("spec.worker.pipelineParallelSize: 32 stages exceed the model's 16 layers"));
}

}  // namespace
}  // namespace tessera::controller
