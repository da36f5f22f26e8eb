#include "engine/simulator/engine_metrics.h"

#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::simulator {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// "name type" of every "# TYPE" line of a fresh engine's exposition, in order.
std::vector<std::string> Families(Flavor flavor) {
  std::vector<std::string> families;
  std::istringstream lines(EngineMetrics(flavor, "llama", 4096, 1000).Serialize());
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("# TYPE ")) families.push_back(line.substr(7));
  }
  return families;
}

// Dashboards and the agent's relabelling read these names, in each engine's
// order, exactly as the engines expose them.
TEST(EngineMetricsTest, EachEngineExposesItsOwnFamilies) {
  EXPECT_THAT(
      Families(Flavor::kVllm),
      ElementsAre(
          "vllm:prefix_cache_queries_total counter", "vllm:prefix_cache_hits_total counter",
          "vllm:num_preemptions_total counter", "vllm:prompt_tokens_total counter",
          "vllm:generation_tokens_total counter", "vllm:request_success_total counter",
          "vllm:num_requests_running gauge", "vllm:num_requests_waiting gauge",
          "vllm:kv_cache_usage_perc gauge", "vllm:time_to_first_token_seconds histogram",
          "vllm:inter_token_latency_seconds histogram",
          "vllm:request_time_per_output_token_seconds histogram",
          "vllm:e2e_request_latency_seconds histogram", "vllm:request_queue_time_seconds histogram",
          "vllm:request_inference_time_seconds histogram",
          "vllm:request_prefill_time_seconds histogram",
          "vllm:request_decode_time_seconds histogram", "vllm:request_prompt_tokens histogram",
          "vllm:request_generation_tokens histogram", "vllm:request_params_max_tokens histogram",
          "vllm:iteration_tokens_total histogram"));
  EXPECT_THAT(
      Families(Flavor::kSglang),
      ElementsAre(
          "sglang:prompt_tokens_total counter", "sglang:generation_tokens_total counter",
          "sglang:cached_tokens_total counter", "sglang:num_requests_total counter",
          "sglang:num_aborted_requests_total counter", "sglang:num_running_reqs gauge",
          "sglang:num_queue_reqs gauge", "sglang:token_usage gauge", "sglang:num_used_tokens gauge",
          "sglang:gen_throughput gauge", "sglang:cache_hit_rate gauge",
          "sglang:max_total_num_tokens gauge", "sglang:time_to_first_token_seconds histogram",
          "sglang:inter_token_latency_seconds histogram",
          "sglang:e2e_request_latency_seconds histogram", "sglang:queue_time_seconds histogram"));
}

// vLLM registers its NixlConnector's metrics only when the connector runs.
TEST(EngineMetricsTest, NixlConnectorMetricsExistOnlyWithTheConnector) {
  EXPECT_THAT(EngineMetrics(Flavor::kVllm, "llama", 4096, 1000).Serialize(),
              ::testing::Not(HasSubstr("nixl")));
  EngineMetrics metrics(Flavor::kVllm, "llama", 4096, 1000, /*kv_connector=*/true);
  metrics.RecordKvTransfer(0.0123, 393347072);
  metrics.RecordKvTransferFailure();
  metrics.RecordKvExpired();
  const std::string text = metrics.Serialize();
  const std::string labels = R"({engine="0",model_name="llama"})";
  EXPECT_THAT(text, HasSubstr("vllm:nixl_xfer_time_seconds_sum" + labels + " 0.0123\n"));
  EXPECT_THAT(text, HasSubstr("vllm:nixl_bytes_transferred_sum" + labels + " 393347072\n"));
  EXPECT_THAT(text, HasSubstr(R"(vllm:nixl_bytes_transferred_bucket{engine="0",model_name="llama",)"
                              R"(le="536870912"} 1)"));
  EXPECT_THAT(text, HasSubstr("vllm:nixl_num_failed_transfers_total" + labels + " 1\n"));
  EXPECT_THAT(text, HasSubstr("vllm:nixl_num_kv_expired_reqs_total" + labels + " 1\n"));
  // SGLang has no such families: the same calls record nothing.
  EngineMetrics sglang(Flavor::kSglang, "llama", 4096, 1000, /*kv_connector=*/true);
  sglang.RecordKvTransfer(0.0123, 393347072);
  EXPECT_THAT(sglang.Serialize(), ::testing::Not(HasSubstr("nixl")));
}

// vLLM V0's speculative decoding metrics, only on an engine that proposes.
TEST(EngineMetricsTest, SpeculativeDecodingMetricsFollowVllm) {
  EXPECT_THAT(EngineMetrics(Flavor::kVllm, "llama", 4096, 1000).Serialize(),
              ::testing::Not(HasSubstr("spec_decode")));
  EngineMetrics metrics(Flavor::kVllm, "llama", 4096, 1000, /*kv_connector=*/false,
                        /*num_speculative_tokens=*/4);
  // Two sequences proposing four tokens each, then one: 12 proposed, 6
  // accepted, 9 emitted of at most 15.
  metrics.RecordStep({.draft_tokens = 8, .accepted_tokens = 5, .emitted_tokens = 7});
  metrics.RecordStep({.draft_tokens = 4, .accepted_tokens = 1, .emitted_tokens = 2});
  const std::string text = metrics.Serialize();
  const std::string labels = R"({engine="0",model_name="llama"})";
  EXPECT_THAT(text, HasSubstr("vllm:spec_decode_num_draft_tokens_total" + labels + " 12\n"));
  EXPECT_THAT(text, HasSubstr("vllm:spec_decode_num_accepted_tokens_total" + labels + " 6\n"));
  EXPECT_THAT(text, HasSubstr("vllm:spec_decode_num_emitted_tokens_total" + labels + " 9\n"));
  EXPECT_THAT(text, HasSubstr("vllm:spec_decode_draft_acceptance_rate" + labels + " 0.5\n"));
  EXPECT_THAT(text, HasSubstr("vllm:spec_decode_efficiency" + labels + " 0.6\n"));
}

TEST(EngineMetricsTest, LabelsFollowEachEngine) {
  const std::string vllm = EngineMetrics(Flavor::kVllm, "llama", 4096, 1000).Serialize();
  EXPECT_THAT(vllm, HasSubstr("vllm:num_requests_running{engine=\"0\",model_name=\"llama\"} 0\n"));
  EXPECT_THAT(vllm, HasSubstr("vllm:request_success_total{engine=\"0\",finished_reason=\"abort\","
                              "model_name=\"llama\"} 0\n"));
  const std::string sglang = EngineMetrics(Flavor::kSglang, "llama", 4096, 1000).Serialize();
  EXPECT_THAT(sglang, HasSubstr("sglang:max_total_num_tokens{engine_type=\"unified\","
                                "model_name=\"llama\",moe_ep_rank=\"0\",pp_rank=\"0\","
                                "tp_rank=\"0\"} 1000\n"));
  EXPECT_THAT(sglang, HasSubstr("sglang:num_requests_total{model_name=\"llama\"} 0\n"));
}

TEST(EngineMetricsTest, TokenCountBucketsStopAtMaxModelLen) {
  const std::string vllm = EngineMetrics(Flavor::kVllm, "llama", 600, 1000).Serialize();
  const std::string bucket = R"(vllm:request_prompt_tokens_bucket{engine="0",model_name="llama",)";
  EXPECT_NE(vllm.find(bucket + R"(le="500"})"), std::string::npos);
  EXPECT_EQ(vllm.find(bucket + R"(le="1000"})"), std::string::npos);
}

TEST(EngineMetricsTest, RecordsOnlyWhatTheFlavorHas) {
  EngineMetrics sglang(Flavor::kSglang, "llama", 4096, 1000);
  sglang.RecordStep({.running = 3, .prefix_query_tokens = 10, .prefix_hit_tokens = 5});
  sglang.RecordFinished({.finish = FinishReason::kAbort, .prompt_tokens = 7});
  const std::string text = sglang.Serialize();
  EXPECT_THAT(text, HasSubstr("sglang:cache_hit_rate{engine_type=\"unified\",model_name=\"llama\","
                              "moe_ep_rank=\"0\",pp_rank=\"0\",tp_rank=\"0\"} 0.5\n"));
  EXPECT_THAT(text, HasSubstr("sglang:num_aborted_requests_total{model_name=\"llama\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("sglang:prompt_tokens_total{model_name=\"llama\"} 7\n"));

  EngineMetrics vllm(Flavor::kVllm, "llama", 4096, 1000);
  vllm.RecordStep({.prefix_query_tokens = 10, .prefix_hit_tokens = 5, .iteration_tokens = 4});
  vllm.RecordFinished({.finish = FinishReason::kNone, .generation_tokens = 2});
  vllm.RecordError();
  const std::string vllm_text = vllm.Serialize();
  EXPECT_THAT(vllm_text,
              HasSubstr("vllm:prefix_cache_hits_total{engine=\"0\",model_name=\"llama\"} 5\n"));
  EXPECT_THAT(vllm_text, HasSubstr("vllm:request_success_total{engine=\"0\",finished_reason="
                                   "\"length\",model_name=\"llama\"} 1\n"));
  EXPECT_THAT(
      vllm_text,
      HasSubstr("vllm:iteration_tokens_total_count{engine=\"0\",model_name=\"llama\"} 1\n"));
}

}  // namespace
}  // namespace tessera::simulator
