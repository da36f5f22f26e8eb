#include "engine/fit/memory_fit.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/model/model_catalog.h"

namespace tessera::fit {
namespace {

using hardware::DataType;
using ::testing::HasSubstr;

constexpr int64_t kGiB = int64_t{1} << 30;

FitRequest Request(std::string_view model_name, DataType weights, DataType kv,
                   int64_t max_model_len, int64_t concurrency, std::string_view compute = "cpx") {
  FitRequest request;
  request.model = *model::FindCatalogModel(model_name);
  request.weight_type = weights;
  request.kv_cache_type = kv;
  request.max_model_len = max_model_len;
  request.concurrency = concurrency;
  request.partition = *hardware::ResolvePartition("mi300x", compute);
  return request;
}

// Seed document 003, example 1: 14 GB of weights + 2 GB of KV fits 24 GB.
TEST(MemoryFitTest, Llama2_7bFitsOneCpxPartition) {
  const StatusOr<FitReport> report =
      EvaluateFit(Request("llama-2-7b", DataType::kFloat16, DataType::kFloat16, 4096, 1));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->kv_bytes_per_token, 524'288);
  EXPECT_EQ(report->kv_bytes, 2 * kGiB);  // "≈ 2 GB for 4096 tokens"
  EXPECT_NEAR(static_cast<double>(report->weight_bytes + report->kv_bytes), 15.6e9, 0.1e9);
  EXPECT_TRUE(report->requested.fits) << report->requested.reason;
  EXPECT_EQ(report->min_tensor_parallel_size, 1);
  EXPECT_GE(report->requested.max_sequences, 1);
}

// Example 2: 26 GB of weights alone exceed a 24 GB partition.
TEST(MemoryFitTest, Llama2_13bDoesNotFitOneCpxPartition) {
  const StatusOr<FitReport> report =
      EvaluateFit(Request("llama-2-13b", DataType::kFloat16, DataType::kFloat16, 4096, 1));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->kv_bytes_per_token, 819'200);
  EXPECT_NEAR(static_cast<double>(report->weight_bytes + report->kv_bytes), 29.4e9, 0.2e9);
  EXPECT_FALSE(report->requested.fits);
  EXPECT_THAT(report->requested.reason, HasSubstr("exceed the 21.60 GiB usable per partition"));
  EXPECT_EQ(report->min_tensor_parallel_size, 2);
}

TEST(MemoryFitTest, GroupedQueryAttentionKvIsAQuarterOfTheRuleOfThumb) {
  const StatusOr<FitReport> report =
      EvaluateFit(Request("llama-3.1-8b", DataType::kBFloat16, DataType::kBFloat16, 4096, 1));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->kv_bytes_per_token, 131'072);
  EXPECT_TRUE(report->requested.fits);
}

TEST(MemoryFitTest, Llama70bWithFp8KvNeedsSixteenCpxPartitionsFor64Sequences) {
  FitRequest request =
      Request("llama-3.1-70b", DataType::kBFloat16, DataType::kFloat8E4M3, 4096, 64);
  const StatusOr<FitReport> report = EvaluateFit(request);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->options.size(), 7u);  // TP 1..64
  const FitOption& tp8 = report->options[3];
  EXPECT_EQ(tp8.tensor_parallel_size, 8);
  EXPECT_EQ(tp8.kv_bytes_per_token, 20'480);  // one fp8 KV head per rank
  EXPECT_FALSE(tp8.fits);
  EXPECT_THAT(tp8.reason, HasSubstr("KV cache for 64 × 4096 tokens"));
  EXPECT_LT(tp8.max_sequences, 64);
  EXPECT_EQ(report->min_tensor_parallel_size, 16);
  EXPECT_GE(report->options[4].max_sequences, 64);
}

TEST(MemoryFitTest, MaxSequencesCountsWholeBlocks) {
  FitRequest request = Request("llama-3.1-8b", DataType::kBFloat16, DataType::kBFloat16, 4000, 1);
  const FitOption option = EvaluateOption(request, 1);
  // 4000 tokens occupy 250 blocks of 16 = 4000 tokens; 4001 need 251.
  request.max_model_len = 4001;
  const FitOption longer = EvaluateOption(request, 1);
  EXPECT_EQ(longer.kv_bytes, 4016 * 131'072);
  EXPECT_EQ(option.kv_bytes, 4000 * 131'072);
}

TEST(MemoryFitTest, HigherUtilizationLeavesMoreRoom) {
  FitRequest request = Request("llama-3.1-8b", DataType::kBFloat16, DataType::kBFloat16, 8192, 1);
  const int64_t at_90 = EvaluateOption(request, 1).max_sequences;
  request.gpu_memory_utilization = 0.96;
  EXPECT_GT(EvaluateOption(request, 1).max_sequences, at_90);
}

TEST(MemoryFitTest, ImpossibleEverywhereHasNoMinimum) {
  FitRequest request =
      Request("llama-3.1-405b", DataType::kBFloat16, DataType::kBFloat16, 131072, 512);
  const StatusOr<FitReport> report = EvaluateFit(request);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->min_tensor_parallel_size.has_value());
  for (const FitOption& option : report->options) EXPECT_FALSE(option.reason.empty());
}

TEST(MemoryFitTest, InvalidRequestsNameTheField) {
  FitRequest request = Request("llama-3.1-8b", DataType::kBFloat16, DataType::kBFloat16, 4096, 1);
  request.max_model_len = 200'000;
  EXPECT_THAT(EvaluateFit(request).status().message(),
              HasSubstr("max_model_len: 200000 exceeds llama-3.1-8b's limit of 131072 tokens"));
  request.max_model_len = 4096;
  request.concurrency = -3;
  EXPECT_THAT(EvaluateFit(request).status().message(),
              HasSubstr("concurrency: must be positive, got -3"));
  request.concurrency = 1;
  request.gpu_memory_utilization = 1.5;
  EXPECT_THAT(EvaluateFit(request).status().message(), HasSubstr("gpu_memory_utilization"));
  request.gpu_memory_utilization = 0.9;
  request.tensor_parallel_size = 3;
  EXPECT_THAT(EvaluateFit(request).status().message(),
              HasSubstr("tensor_parallel_size: tensor-parallel size 3 is not a power of two"));
  request.tensor_parallel_size = 16;
  request.partition = *hardware::ResolvePartition("mi300x", "spx");
  EXPECT_THAT(EvaluateFit(request).status().message(),
              HasSubstr("exceeds the 8 partitions of one mi300x spx/nps1 node"));
}

FitRequest SeedSpeculative(int64_t max_model_len, int64_t concurrency) {
  FitRequest request = Request("llama-3.1-70b", DataType::kBFloat16, DataType::kBFloat16,
                               max_model_len, concurrency, "spx");
  request.tensor_parallel_size = 8;
  request.draft = DraftModel{.model = *model::FindCatalogModel("llama-3.1-8b"),
                             .weight_type = DataType::kBFloat16,
                             .num_speculative_tokens = 5};
  return request;
}

// Seed 001's speculative configuration worked by hand: Llama-3.1-70B with a
// Llama-3.1-8B draft proposing 5 tokens, TP 8 over whole MI300X GPUs, at the
// model's full 131,072-token context.
TEST(SpeculativeFitTest, SeventyBWithAnEightBDraftAtTp8OnMi300x) {
  const StatusOr<FitReport> report = EvaluateFit(SeedSpeculative(131'072, 1));
  ASSERT_TRUE(report.ok()) << report.status();
  const FitOption& tp8 = report->requested;
  // Target: 70,553,706,496 parameters × 2 bytes ÷ 8; draft: 8,030,261,248 × 2 ÷ 8.
  EXPECT_EQ(tp8.target_weight_bytes(), 17'638'426'624);
  EXPECT_EQ(tp8.draft_weight_bytes, 2'007'565'312);
  EXPECT_EQ(tp8.weight_bytes, 17'638'426'624 + 2'007'565'312);
  // KV per token per rank: 2 × 80 layers × 1 KV head × 128 × 2 bytes for the
  // target, 2 × 32 × 1 × 128 × 2 for the draft.
  EXPECT_EQ(tp8.target_kv_bytes_per_token(), 40'960);
  EXPECT_EQ(tp8.draft_kv_bytes_per_token, 16'384);
  EXPECT_EQ(tp8.kv_bytes_per_token, 57'344);
  // 131,072 tokens + 5 lookahead slots occupy 8,193 blocks of 16.
  EXPECT_EQ(report->tokens_per_sequence, 131'088);
  EXPECT_EQ(tp8.draft_kv_bytes, int64_t{131'088} * 16'384);
  EXPECT_EQ(tp8.kv_bytes, int64_t{131'088} * 57'344);
  // Activations: residual 2 × 8192 × 8192 × 2, MLP 8192 × 3 × 28672 ÷ 8 × 2,
  // fp32 logits for 1 sequence × 6 scored positions × 128256; + 1 GiB reserve.
  const int64_t activations =
      int64_t{2} * 8192 * 8192 * 2 + int64_t{8192} * 10'752 * 2 + 6 * 128'256 * 4 + kGiB;
  EXPECT_EQ(tp8.activation_headroom_bytes, activations);
  EXPECT_EQ(activations, 1'521'416'192);
  // 192 GiB × 0.9, floored.
  EXPECT_EQ(tp8.usable_bytes, 185'542'587'187);
  const int64_t capacity = 185'542'587'187 - 17'638'426'624 - 2'007'565'312 - 1'521'416'192;
  EXPECT_EQ(tp8.free_bytes, capacity - int64_t{131'088} * 57'344);
  EXPECT_EQ(tp8.free_bytes, 156'858'068'787);
  EXPECT_EQ(tp8.max_sequences, 21);  // 164.4 GB ÷ 7.52 GB per full-length sequence
  EXPECT_TRUE(tp8.fits);
  EXPECT_EQ(report->draft_parameters, 8'030'261'248);
  EXPECT_EQ(report->draft_weight_bytes, 16'060'522'496);
  EXPECT_EQ(report->draft_kv_bytes_per_token, 131'072);
  EXPECT_TRUE(report->warnings.empty());
}

TEST(SpeculativeFitTest, TheDraftCostsSequences) {
  FitRequest request = SeedSpeculative(131'072, 1);
  const int64_t with_draft = EvaluateOption(request, 8).max_sequences;
  request.draft.reset();
  const FitOption alone = EvaluateOption(request, 8);
  EXPECT_EQ(alone.draft_weight_bytes, 0);
  EXPECT_EQ(alone.kv_bytes_per_token, 40'960);
  // (185,542,587,187 − 17,638,426,624 − 1,518,851,072) ÷ (131,072 × 40,960) = 30.99.
  EXPECT_EQ(alone.max_sequences, 30);
  EXPECT_LT(with_draft, alone.max_sequences);
  EXPECT_EQ(
      RequiredPartitionBytes(request, 8) < RequiredPartitionBytes(SeedSpeculative(131'072, 1), 8),
      true);
}

// --speculative-draft-tensor-parallel-size 1: rank 0 holds the whole draft
// and its whole cache, and is the partition that binds.
TEST(SpeculativeFitTest, DraftAtTensorParallelOneSitsWholeOnTheFirstRank) {
  FitRequest request = SeedSpeculative(8192, 1);
  request.draft->model = *model::FindCatalogModel("llama-3.2-1b");
  request.draft->tensor_parallel_size = 1;
  const StatusOr<FitReport> report = EvaluateFit(request);
  ASSERT_TRUE(report.ok()) << report.status();
  // 1,235,814,400 parameters × 2 bytes; 2 × 16 layers × 8 KV heads × 64 × 2.
  EXPECT_EQ(report->requested.draft_weight_bytes, 2'471'628'800);
  EXPECT_EQ(report->requested.draft_kv_bytes_per_token, 32'768);
  // Every tensor-parallel option keeps the draft at one rank.
  EXPECT_EQ(report->options.front().draft_kv_bytes_per_token, 32'768);
}

TEST(SpeculativeFitTest, InvalidDraftsNameTheField) {
  FitRequest request = SeedSpeculative(4096, 1);
  request.draft->model = *model::FindCatalogModel("llama-2-7b");
  EXPECT_THAT(EvaluateFit(request).status().message(),
              HasSubstr("speculative_model: llama-2-7b's vocabulary of 32000 tokens differs from "
                        "llama-3.1-70b's 128256"));
  request = SeedSpeculative(4096, 1);
  request.draft->num_speculative_tokens = 0;
  EXPECT_THAT(EvaluateFit(request).status().message(),
              HasSubstr("num_speculative_tokens: must be positive, got 0"));
  request = SeedSpeculative(4096, 1);
  request.draft->tensor_parallel_size = 2;
  EXPECT_THAT(EvaluateFit(request).status().message(),
              HasSubstr("speculative_draft_tensor_parallel_size: 2 must be 1 or the target's 8"));
  request = SeedSpeculative(4096, 1);
  request.draft->model.num_layers = 0;
  EXPECT_THAT(EvaluateFit(request).status().message(),
              HasSubstr("speculative_model: llama-3.1-8b: num_layers"));
  EXPECT_THAT(NameFieldAsFlag(EvaluateFit(request).status()).message(),
              HasSubstr("--speculative-model: "));
}

// Seed 001's `-tp 2 -pp 4`: 20 layers a stage; the last stage, which holds the
// output head and the final norm, has the most weights and binds.
TEST(PipelineFitTest, StagesShareTheLayersAndTheLastOneBinds) {
  FitRequest request =
      Request("llama-3.1-70b", DataType::kBFloat16, DataType::kBFloat16, 131'072, 1, "spx");
  request.tensor_parallel_size = 2;
  request.pipeline_parallel_size = 4;
  const StatusOr<FitReport> report = EvaluateFit(request);
  ASSERT_TRUE(report.ok()) << report.status();
  const FitOption& option = report->requested;
  EXPECT_EQ(option.pipeline_parallel_size, 4);
  EXPECT_EQ(option.pipeline_stage, 3);
  EXPECT_EQ(option.layers, 20);
  // (20 × 855,654,400 + 128256 × 8192 + 8192) × 2 bytes ÷ 2 ranks.
  EXPECT_EQ(option.weight_bytes, 20 * int64_t{855'654'400} + int64_t{128'256} * 8192 + 8192);
  // 2 × 20 layers × 4 KV heads × 128 × 2 bytes.
  EXPECT_EQ(option.kv_bytes_per_token, 40'960);
  EXPECT_TRUE(option.fits);
  // The same partition count as TP 8 alone holds a quarter of the weights and
  // the same cache per token.
  FitRequest flat = request;
  flat.tensor_parallel_size = 8;
  flat.pipeline_parallel_size = 1;
  EXPECT_EQ(EvaluateOption(flat, 8).kv_bytes_per_token, 40'960);
  EXPECT_LT(EvaluateOption(flat, 8).weight_bytes, option.weight_bytes);

  request.pipeline_parallel_size = 81;
  EXPECT_THAT(EvaluateFit(request).status().message(),
              HasSubstr("pipeline_parallel_size: 81 stages exceed llama-3.1-70b's 80 layers"));
}

TEST(PipelineFitTest, SpeculatingAcrossStagesIsCountedAndWarned) {
  FitRequest request = SeedSpeculative(8192, 1);
  request.tensor_parallel_size = 2;
  request.pipeline_parallel_size = 4;
  const StatusOr<FitReport> report = EvaluateFit(request);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->requested.draft_weight_bytes, 16'060'522'496 / 2);
  ASSERT_EQ(report->warnings.size(), 1u);
  EXPECT_THAT(report->warnings[0], HasSubstr("pipeline parallelism"));
}

// FP8 weights: the linear layers at one byte, the embedding, head and norms at two.
TEST(Fp8FitTest, Fp8WeightsHalveTheLinearLayers) {
  FitRequest request = SeedSpeculative(8192, 1);
  request.weight_type = DataType::kFloat8E4M3;
  request.draft->weight_type = DataType::kFloat8E4M3;
  const FitOption fp8 = EvaluateOption(request, 8);
  EXPECT_EQ(fp8.target_weight_bytes(),
            (70'553'706'496 + 2 * int64_t{128'256} * 8192 + 161 * 8192) / 8);
  EXPECT_EQ(fp8.draft_weight_bytes, 9'081'200'640 / 8);
  // The cache stays bfloat16 unless asked: FP8 weights do not change it.
  EXPECT_EQ(fp8.kv_bytes_per_token, 57'344);
  request.kv_cache_type = DataType::kFloat8E4M3;
  EXPECT_EQ(EvaluateOption(request, 8).kv_bytes_per_token, 57'344 / 2);
}

TEST(ActivationBytesTest, GrowsWithBatchedTokensAndShrinksWithTensorParallelism) {
  const model::ModelArchitecture llama = *model::FindCatalogModel("llama-3.1-70b");
  const int64_t base = ActivationBytes(llama, DataType::kBFloat16, 1, 8192, 256);
  EXPECT_GT(ActivationBytes(llama, DataType::kBFloat16, 1, 16384, 256), base);
  EXPECT_LT(ActivationBytes(llama, DataType::kBFloat16, 8, 8192, 256), base);
  // Residual stream: 2 × 8192 × 8192 × 2; MLP: 8192 × 3 × 28672 × 2;
  // logits: 256 × 128256 × 4.
  EXPECT_EQ(base, 2 * 8192 * 8192 * 2 + int64_t{8192} * 3 * 28672 * 2 + 256 * 128256 * 4);
}

}  // namespace
}  // namespace tessera::fit
