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
