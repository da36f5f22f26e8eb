#include "engine/simulator/performance_model.h"

#include <gtest/gtest.h>

#include "engine/model/model_catalog.h"

namespace tessera::simulator {
namespace {

PerformanceModel Model(const char* name, const char* compute, int64_t tp) {
  const hardware::PartitionProfile partition = *hardware::ResolvePartition("mi300x", compute);
  return PerformanceModel(*model::FindCatalogModel(name), partition, tp,
                          hardware::DataType::kBFloat16, hardware::DataType::kBFloat16,
                          EfficiencyFor(*partition.gpu));
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

}  // namespace
}  // namespace tessera::simulator
