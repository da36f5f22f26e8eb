#include "engine/model/model_architecture.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/model/model_catalog.h"
#include "engine/model/pipeline_stages.h"

namespace tessera::model {
namespace {

using hardware::DataType;
using ::testing::HasSubstr;

ModelArchitecture Catalog(std::string_view name) {
  StatusOr<ModelArchitecture> model = FindCatalogModel(name);
  EXPECT_TRUE(model.ok()) << model.status();
  return *model;
}

// Published parameter counts of each checkpoint; the catalog stores only the
// architecture, so these check the counting arithmetic.
TEST(CountParametersTest, MatchesPublishedCheckpoints) {
  EXPECT_EQ(CountParameters(Catalog("llama-2-7b")).total, 6'738'415'616);
  EXPECT_EQ(CountParameters(Catalog("llama-2-13b")).total, 13'015'864'320);
  EXPECT_EQ(CountParameters(Catalog("llama-3.1-8b")).total, 8'030'261'248);
  EXPECT_EQ(CountParameters(Catalog("llama-3.1-70b")).total, 70'553'706'496);
  EXPECT_EQ(CountParameters(Catalog("llama-3.3-70b")).total, 70'553'706'496);
  EXPECT_EQ(CountParameters(Catalog("llama-3.1-405b")).total, 405'853'388'800);
  EXPECT_EQ(CountParameters(Catalog("qwen3-8b")).total, 8'190'735'360);
  // Tied output heads: the embedding counts once.
  EXPECT_EQ(CountParameters(Catalog("llama-3.2-1b")).total, 1'235'814'400);
  EXPECT_EQ(CountParameters(Catalog("llama-3.2-3b")).total, 3'212'749'824);
}

TEST(CountParametersTest, MixtureOfExpertsCountsActiveParametersSeparately) {
  const ParameterCount deepseek = CountParameters(Catalog("deepseek-r1"));
  EXPECT_EQ(deepseek.total, 671'026'419'200);
  // DeepSeek reports 37B activated per token.
  EXPECT_GT(deepseek.active, 37'000'000'000);
  EXPECT_LT(deepseek.active, 38'000'000'000);
  const ParameterCount dense = CountParameters(Catalog("llama-3.1-8b"));
  EXPECT_EQ(dense.active, dense.total);
}

TEST(KvCacheTest, SeedWorkedExamples) {
  // 2 × 32 layers × 4096 × 2 bytes and 2 × 40 × 5120 × 2 bytes.
  EXPECT_EQ(KvCacheBytesPerToken(Catalog("llama-2-7b"), DataType::kFloat16), 524'288);
  EXPECT_EQ(KvCacheBytesPerToken(Catalog("llama-2-13b"), DataType::kFloat16), 819'200);
}

TEST(KvCacheTest, GroupedQueryAttentionUsesKeyValueHeads) {
  // 2 × 32 layers × 8 KV heads × 128 × 2 bytes, not the 4× larger
  // hidden-size rule of thumb.
  EXPECT_EQ(KvCacheBytesPerToken(Catalog("llama-3.1-8b"), DataType::kBFloat16), 131'072);
  EXPECT_EQ(KvCacheBytesPerToken(Catalog("llama-3.1-8b"), DataType::kFloat8E4M3), 65'536);
  EXPECT_EQ(KvCacheBytesPerToken(Catalog("llama-3.1-70b"), DataType::kBFloat16), 327'680);
}

TEST(KvCacheTest, LatentAttentionStoresOneCompressedLatent) {
  // 61 layers × (512 + 64) × 2 bytes.
  EXPECT_EQ(KvCacheBytesPerToken(Catalog("deepseek-r1"), DataType::kBFloat16), 70'272);
}

TEST(KvCacheTest, PerRankSplitsHeadsButNeverBelowOne) {
  const ModelArchitecture llama = Catalog("llama-3.1-70b");  // 8 KV heads
  EXPECT_EQ(KvCacheBytesPerTokenPerRank(llama, DataType::kBFloat16, 1), 327'680);
  EXPECT_EQ(KvCacheBytesPerTokenPerRank(llama, DataType::kBFloat16, 8), 40'960);
  // With TP 16 each rank still holds a whole (replicated) KV head.
  EXPECT_EQ(KvCacheBytesPerTokenPerRank(llama, DataType::kBFloat16, 16), 40'960);
  const ModelArchitecture deepseek = Catalog("deepseek-r1");
  EXPECT_EQ(KvCacheBytesPerTokenPerRank(deepseek, DataType::kBFloat16, 8), 70'272);
}

TEST(WeightBytesTest, ParametersTimesElementSize) {
  const ModelArchitecture llama = Catalog("llama-3.1-8b");
  EXPECT_EQ(WeightBytes(llama, DataType::kBFloat16), 16'060'522'496);
  EXPECT_EQ(WeightBytes(llama, DataType::kFloat32), 32'121'044'992);
}

// FP8 halves the linear layers only: the embedding and output head
// (2 × 128256 × 4096) and the norms (65 × 4096) keep two bytes, which is the
// 9.08 GB of amd/Llama-3.1-8B-Instruct-FP8-KV rather than 8.03 GB.
TEST(WeightBytesTest, EightBitWeightsKeepEmbeddingsAndNormsSixteenBit) {
  const ModelArchitecture llama = Catalog("llama-3.1-8b");
  const int64_t kept_wide = 2 * 128'256 * 4096 + 65 * 4096;
  EXPECT_EQ(kept_wide, 1'050'939'392);
  EXPECT_EQ(WeightBytes(llama, DataType::kFloat8E4M3), 8'030'261'248 + kept_wide);
  EXPECT_EQ(WeightBytes(llama, DataType::kInt8), 9'081'200'640);
  // Llama-3.1-70B: 70.55 B parameters, 1.05 B of them embedding and head.
  const ModelArchitecture seventy = Catalog("llama-3.1-70b");
  EXPECT_EQ(WeightBytes(seventy, DataType::kFloat8E4M3),
            70'553'706'496 + 2 * 128'256 * 8192 + 161 * 8192);
}

TEST(WeightBytesTest, CheckpointSizeWinsForItsOwnFormat) {
  ModelArchitecture llama = Catalog("llama-3.1-8b");
  llama.checkpoint_bytes = 16'100'000'000;
  EXPECT_EQ(WeightBytes(llama, DataType::kBFloat16), 16'100'000'000);
  EXPECT_EQ(WeightBytes(llama, DataType::kFloat8E4M3), 9'081'200'640);
  // Pipeline stages share the checkpoint's size in proportion.
  const int64_t first_half = WeightBytesOfLayers(llama, DataType::kBFloat16, 0, 16, true, false);
  const int64_t second_half = WeightBytesOfLayers(llama, DataType::kBFloat16, 16, 32, false, true);
  EXPECT_NEAR(static_cast<double>(first_half + second_half), 16'100'000'000, 2);
}

// vLLM's get_pp_indices: an even split, the remainder to the stages before
// the last, from the second-to-last backwards.
TEST(PipelineStagesTest, SplitsLayersAsVllmDoes) {
  const ModelArchitecture llama = Catalog("llama-3.1-70b");
  const std::vector<PipelineStage> four = PipelineStages(llama, 4);
  ASSERT_EQ(four.size(), 4u);
  for (const PipelineStage& stage : four) EXPECT_EQ(stage.layers(), 20);
  EXPECT_TRUE(four[0].holds_embedding);
  EXPECT_FALSE(four[0].holds_output_head);
  EXPECT_TRUE(four[3].holds_output_head);
  EXPECT_FALSE(four[1].holds_embedding || four[1].holds_output_head);

  const std::vector<PipelineStage> three = PipelineStages(llama, 3);
  EXPECT_EQ(three[0].layers(), 27);
  EXPECT_EQ(three[1].layers(), 27);
  EXPECT_EQ(three[2].layers(), 26);
  EXPECT_EQ(three[2].end_layer, 80);
  const std::vector<PipelineStage> seven = PipelineStages(llama, 7);  // 80 = 7 × 11 + 3
  EXPECT_EQ(seven[0].layers(), 11);
  EXPECT_EQ(seven[3].layers(), 12);
  EXPECT_EQ(seven[5].layers(), 12);
  EXPECT_EQ(seven[6].layers(), 11);

  const std::vector<PipelineStage> one = PipelineStages(llama, 1);
  EXPECT_TRUE(one[0].holds_embedding && one[0].holds_output_head);
  EXPECT_EQ(one[0].layers(), 80);
}

// Llama-3.1-70B over 4 stages: 20 layers of 855,654,400 parameters each, the
// embedding (128256 × 8192) on the first and the final norm and head on the last.
TEST(PipelineStagesTest, StagesHoldTheirLayersAndTheEmbeddingOrHead) {
  const ModelArchitecture llama = Catalog("llama-3.1-70b");
  const std::vector<PipelineStage> stages = PipelineStages(llama, 4);
  const int64_t layers = 20 * int64_t{855'654'400};
  const int64_t embedding = int64_t{128'256} * 8192;
  EXPECT_EQ(StageWeightBytes(llama, DataType::kBFloat16, stages[0]), 2 * (layers + embedding));
  EXPECT_EQ(StageWeightBytes(llama, DataType::kBFloat16, stages[1]), 2 * layers);
  EXPECT_EQ(StageWeightBytes(llama, DataType::kBFloat16, stages[3]),
            2 * (layers + embedding + 8192));
  int64_t sum = 0;
  for (const PipelineStage& stage : stages)
    sum += StageWeightBytes(llama, DataType::kBFloat16, stage);
  EXPECT_EQ(sum, WeightBytes(llama, DataType::kBFloat16));

  // A tied head is loaded again on the last stage.
  const ModelArchitecture small = Catalog("llama-3.2-1b");
  const std::vector<PipelineStage> two = PipelineStages(small, 2);
  const int64_t small_embedding = int64_t{128'256} * 2048;
  EXPECT_EQ(StageWeightBytes(small, DataType::kBFloat16, two[0]) +
                StageWeightBytes(small, DataType::kBFloat16, two[1]),
            WeightBytes(small, DataType::kBFloat16) + 2 * small_embedding);
}

TEST(PipelineStagesTest, RejectsMoreStagesThanLayers) {
  const ModelArchitecture small = Catalog("llama-3.2-1b");
  EXPECT_TRUE(CheckPipelineParallelSize(small, 16).ok());
  EXPECT_THAT(CheckPipelineParallelSize(small, 17).message(),
              HasSubstr("17 stages exceed llama-3.2-1b's 16 layers"));
  EXPECT_THAT(CheckPipelineParallelSize(small, 0).message(), HasSubstr("at least 1"));
}

TEST(TensorParallelTest, AcceptsPowersOfTwoThatShardTheHeads) {
  const ModelArchitecture llama = Catalog("llama-3.1-70b");
  for (int64_t size : {1, 2, 4, 8, 16, 32, 64}) {
    EXPECT_TRUE(CheckTensorParallelSize(llama, size).ok()) << size;
  }
  EXPECT_THAT(CheckTensorParallelSize(llama, 3).message(), HasSubstr("not a power of two"));
  EXPECT_THAT(CheckTensorParallelSize(llama, 128).message(), HasSubstr("64 attention heads"));
  EXPECT_FALSE(CheckTensorParallelSize(llama, 0).ok());
  EXPECT_FALSE(CheckTensorParallelSize(Catalog("llama-2-13b"), 16).ok());  // 40 heads
}

TEST(ValidateTest, NamesTheField) {
  ModelArchitecture model = Catalog("llama-3.1-8b");
  EXPECT_TRUE(model.Validate().ok());
  model.num_key_value_heads = 5;
  EXPECT_THAT(model.Validate().message(), HasSubstr("num_key_value_heads: 5 does not divide"));
  model = Catalog("llama-3.1-8b");
  model.hidden_size = -1;
  EXPECT_THAT(model.Validate().message(),
              HasSubstr("hidden_size: must be a positive integer, got -1"));
  model = Catalog("deepseek-r1");
  model.experts->experts_per_token = 300;
  EXPECT_THAT(model.Validate().message(), HasSubstr("num_experts_per_tok: 300 exceeds"));
}

}  // namespace
}  // namespace tessera::model
