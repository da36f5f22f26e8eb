#include "engine/model/model_architecture.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/model/model_catalog.h"

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
  EXPECT_EQ(WeightBytes(llama, DataType::kFloat8E4M3), 8'030'261'248);
  EXPECT_EQ(WeightBytes(llama, DataType::kFloat32), 32'121'044'992);
}

TEST(WeightBytesTest, CheckpointSizeWinsForItsOwnFormat) {
  ModelArchitecture llama = Catalog("llama-3.1-8b");
  llama.checkpoint_bytes = 16'100'000'000;
  EXPECT_EQ(WeightBytes(llama, DataType::kBFloat16), 16'100'000'000);
  EXPECT_EQ(WeightBytes(llama, DataType::kFloat8E4M3), 8'030'261'248);
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
