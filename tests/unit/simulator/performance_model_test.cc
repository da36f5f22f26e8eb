#include "engine/simulator/performance_model.h"

#include <gtest/gtest.h>

#include "engine/model/model_catalog.h"
#include "engine/model/pipeline_stages.h"

namespace tessera::simulator {
namespace {

PerformanceModel Model(const char* name, const char* compute, int64_t tp) {
  const hardware::PartitionProfile partition = *hardware::ResolvePartition("mi300x", compute);
  return PerformanceModel(*model::FindCatalogModel(name), partition, tp,
                          hardware::DataType::kBFloat16, hardware::DataType::kBFloat16,
                          EfficiencyFor(*partition.gpu));
}

PerformanceModel StageModel(const char* name, int64_t tp, const model::PipelineStage& stage) {
  const hardware::PartitionProfile partition = *hardware::ResolvePartition("mi300x", "spx");
  return PerformanceModel(*model::FindCatalogModel(name), partition, tp,
                          hardware::DataType::kBFloat16, hardware::DataType::kBFloat16,
                          EfficiencyFor(*partition.gpu), stage);
}

StepShape Decode(int64_t sequences, int64_t context) {
  return {.new_tokens = sequences,
          .sequences = sequences,
          .kv_tokens_read = sequences * context,
          .attention_pairs = sequences * context};
}

StepShape Prefill(int64_t tokens) {
  return {.new_tokens = tokens,
          .sequences = 1,
          .kv_tokens_read = tokens,
          .attention_pairs = tokens * (tokens + 1) / 2};
}

TEST(PerformanceModelTest, SmallDecodeIsMemoryBoundLargePrefillComputeBound) {
  const PerformanceModel model = Model("llama-3.1-8b", "spx", 1);
  const StepCost decode = model.Cost(Decode(1, 512));
  EXPECT_GT(decode.memory_seconds, decode.compute_seconds);
  const StepCost prefill = model.Cost(Prefill(8192));
  EXPECT_GT(prefill.compute_seconds, prefill.memory_seconds);
}

TEST(PerformanceModelTest, DecodeCostGrowsSublinearlyWithBatch) {
  const PerformanceModel model = Model("llama-3.1-8b", "spx", 1);
  const double one = model.Cost(Decode(1, 512)).total_seconds;
  const double sixty_four = model.Cost(Decode(64, 512)).total_seconds;
  EXPECT_GT(sixty_four, one);
  EXPECT_LT(sixty_four, 4 * one);
}

TEST(PerformanceModelTest, TensorParallelismShortensStepsButAddsCommunication) {
  const StepCost tp1 = Model("llama-3.1-70b", "spx", 1).Cost(Decode(64, 1024));
  const StepCost tp8 = Model("llama-3.1-70b", "spx", 8).Cost(Decode(64, 1024));
  EXPECT_EQ(tp1.communication_seconds, 0);
  EXPECT_GT(tp8.communication_seconds, 0);
  EXPECT_LT(tp8.total_seconds, tp1.total_seconds);
}

TEST(PerformanceModelTest, CpxPartitionIsSlowerThanTheWholeGpu) {
  const double whole = Model("llama-3.1-8b", "spx", 1).Cost(Prefill(2048)).total_seconds;
  const double partition = Model("llama-3.1-8b", "cpx", 1).Cost(Prefill(2048)).total_seconds;
  EXPECT_GT(partition, 5 * whole);
}

TEST(PerformanceModelTest, LongerContextCostsMore) {
  const PerformanceModel model = Model("llama-3.1-8b", "cpx", 1);
  EXPECT_GT(model.Cost(Decode(32, 8192)).total_seconds, model.Cost(Decode(32, 256)).total_seconds);
}

TEST(PerformanceModelTest, MixtureOfExpertsReadsOnlyTouchedExperts) {
  const hardware::PartitionProfile partition = *hardware::ResolvePartition("mi300x", "spx");
  const PerformanceModel deepseek(*model::FindCatalogModel("deepseek-r1"), partition, 8,
                                  hardware::DataType::kFloat8E4M3, hardware::DataType::kBFloat16,
                                  EfficiencyFor(*partition.gpu));
  EXPECT_LT(deepseek.Cost(Decode(1, 128)).memory_seconds,
            deepseek.Cost(Decode(256, 128)).memory_seconds / 2);
}

TEST(PerformanceModelTest, EmptyStepCostsNothing) {
  EXPECT_EQ(Model("llama-3.1-8b", "cpx", 1).Cost({}).total_seconds, 0);
}

TEST(PerformanceModelTest, OneStageHoldingEveryLayerIsTheWholeModel) {
  const model::ModelArchitecture llama = *model::FindCatalogModel("llama-3.1-70b");
  const PerformanceModel whole = Model("llama-3.1-70b", "spx", 8);
  const PerformanceModel stage = StageModel("llama-3.1-70b", 8, model::PipelineStages(llama, 1)[0]);
  for (const StepShape& shape : {Decode(64, 1000), Prefill(4000)}) {
    EXPECT_DOUBLE_EQ(stage.Cost(shape).total_seconds, whole.Cost(shape).total_seconds);
  }
}

TEST(PerformanceModelTest, PipelineStagesShareTheWholeModelsWork) {
  const model::ModelArchitecture llama = *model::FindCatalogModel("llama-3.1-70b");
  const PerformanceModel whole = Model("llama-3.1-70b", "spx", 2);
  for (const StepShape& shape : {Decode(32, 1000), Prefill(4000)}) {
    const StepCost all = whole.Cost(shape);
    double compute = 0;
    double memory = 0;
    double communication = 0;
    double launches = 0;
    for (const model::PipelineStage& stage : model::PipelineStages(llama, 4)) {
      const StepCost part = StageModel("llama-3.1-70b", 2, stage).Cost(shape);
      EXPECT_DOUBLE_EQ(part.host_seconds, all.host_seconds);
      compute += part.compute_seconds;
      memory += part.memory_seconds;
      communication += part.communication_seconds;
      launches += part.overhead_seconds - part.host_seconds;
    }
    // Each stage computes and reads its layers (and the embedding or head):
    // together, the whole model's work, launches and all-reduces.
    EXPECT_NEAR(compute, all.compute_seconds, 1e-9 * all.compute_seconds);
    EXPECT_NEAR(memory, all.memory_seconds, 1e-9 * all.memory_seconds);
    EXPECT_NEAR(communication, all.communication_seconds, 1e-12);
    EXPECT_NEAR(launches, all.overhead_seconds - all.host_seconds, 1e-12);
  }
}

TEST(PerformanceModelTest, StageTransferGrowsWithTokens) {
  const model::ModelArchitecture llama = *model::FindCatalogModel("llama-3.1-70b");
  const PerformanceModel first = StageModel("llama-3.1-70b", 2, model::PipelineStages(llama, 4)[0]);
  EXPECT_EQ(first.TransferSeconds(0), 0);
  const double one = first.TransferSeconds(1);
  const double many = first.TransferSeconds(8192);
  EXPECT_GT(one, 0);
  // 8,192 tokens of hidden states and residual, 16-bit: 256 MiB, half per
  // rank over one 64 GB/s xGMI link at 55%, then all-gathered.
  const double payload = 2.0 * 8192 * 8192 * 2;
  EXPECT_NEAR(many - one, payload / 2 / (64e9 * 0.55) + payload / 2 / (448e9 * 0.55), 1e-3 * many);
}

}  // namespace
}  // namespace tessera::simulator
