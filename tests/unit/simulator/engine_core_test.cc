#include "engine/simulator/engine_core.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/model/model_catalog.h"
#include "engine/model/pipeline_stages.h"
#include "hardware/gpu_catalog.h"

namespace tessera::simulator {
namespace {

using ::testing::HasSubstr;

EngineConfig SmallEngine(int64_t max_model_len = 4096) {
  EngineConfig config;
  config.memory.model = *model::FindCatalogModel("llama-3.1-8b");
  config.memory.weight_type = hardware::DataType::kBFloat16;
  config.memory.kv_cache_type = hardware::DataType::kBFloat16;
  config.memory.partition = *hardware::ResolvePartition("mi300x", "cpx");
  config.memory.max_model_len = max_model_len;
  config.scheduler.max_model_len = max_model_len;
  return config;
}

EngineRequest Request(const std::string& id, int prompt_tokens, int64_t max_tokens,
                      tokenizer::TokenId first_token = 1) {
  EngineRequest request;
  request.id = id;
  for (int i = 0; i < prompt_tokens; ++i) {
    request.prompt.push_back(first_token + static_cast<tokenizer::TokenId>(i));
  }
  request.max_output_tokens = max_tokens;
  return request;
}

// Runs until idle; returns each request's token count and finish reason.
std::map<std::string, std::pair<int64_t, FinishReason>> RunToCompletion(EngineCore& engine,
                                                                        double* seconds = nullptr) {
  std::map<std::string, std::pair<int64_t, FinishReason>> results;
  double total = 0;
  for (int guard = 0; !engine.idle() && guard < 100000; ++guard) {
    const StepOutcome step = engine.Step();
    EXPECT_GT(step.seconds, 0);
    total += step.seconds;
    for (const TokenEvent& event : step.tokens) {
      auto& [count, finish] = results[event.request_id];
      EXPECT_EQ(event.output_index, count);
      ++count;
      finish = event.finish;
    }
  }
  EXPECT_TRUE(engine.idle());
  if (seconds != nullptr) *seconds = total;
  return results;
}

TEST(EngineCoreTest, GeneratesExactlyMaxTokens) {
  auto engine = *EngineCore::Create(SmallEngine());
  ASSERT_TRUE(engine->Add(Request("a", 100, 5)).ok());
  ASSERT_TRUE(engine->Add(Request("b", 2000, 3)).ok());
  const auto results = RunToCompletion(*engine);
  EXPECT_EQ(results.at("a"), std::make_pair(int64_t{5}, FinishReason::kLength));
  EXPECT_EQ(results.at("b"), std::make_pair(int64_t{3}, FinishReason::kLength));
  EXPECT_EQ(engine->kv_cache_totals().free_blocks, engine->kv_cache_totals().total_blocks);
}

TEST(EngineCoreTest, StopsEarlyWhenTheModelWouldEmitEos) {
  auto engine = *EngineCore::Create(SmallEngine());
  EngineRequest request = Request("a", 10, 50);
  request.stop_after_tokens = 7;
  ASSERT_TRUE(engine->Add(std::move(request)).ok());
  EXPECT_EQ(RunToCompletion(*engine).at("a"), std::make_pair(int64_t{7}, FinishReason::kStop));
}

TEST(EngineCoreTest, LongPromptIsChunkedAcrossSteps) {
  EngineConfig config = SmallEngine(16384);
  config.scheduler.max_num_batched_tokens = 2048;
  auto engine = *EngineCore::Create(config);
  ASSERT_TRUE(engine->Add(Request("long", 10000, 2)).ok());
  int steps_before_first_token = 0;
  while (true) {
    const StepOutcome step = engine->Step();
    ++steps_before_first_token;
    EXPECT_LE(step.shape.new_tokens, 2048);
    if (!step.tokens.empty()) break;
  }
  EXPECT_EQ(steps_before_first_token, 5);  // ceil(10000 / 2048)
}

TEST(EngineCoreTest, PrefixCacheSkipsSharedPrompt) {
  auto engine = *EngineCore::Create(SmallEngine());
  ASSERT_TRUE(engine->Add(Request("first", 1024, 1)).ok());
  RunToCompletion(*engine);
  ASSERT_TRUE(engine->Add(Request("second", 1024, 1)).ok());
  const StepOutcome step = engine->Step();
  EXPECT_EQ(step.shape.new_tokens, 16);  // 1024 - 1008 cached (63 blocks)
  ASSERT_EQ(step.tokens.size(), 1u);
  EXPECT_EQ(step.tokens[0].cached_prompt_tokens, 1008);
  EXPECT_EQ(engine->kv_cache_totals().prefix_hit_tokens, 1008);
}

TEST(EngineCoreTest, TransferredKvSkipsPrefillAndContinuesAfterTheFirstToken) {
  auto engine = *EngineCore::Create(SmallEngine());
  EngineRequest request = Request("decode", 2000, 4);
  request.transferred_output = {42};
  ASSERT_TRUE(engine->Add(std::move(request)).ok());
  const StepOutcome first = engine->Step();
  // Only the prefill worker's token is computed; the prompt's KV is there.
  EXPECT_EQ(first.shape.new_tokens, 1);
  EXPECT_EQ(first.shape.kv_tokens_read, 2001);
  ASSERT_EQ(first.tokens.size(), 1u);
  EXPECT_EQ(first.tokens[0].output_index, 1);
  EXPECT_EQ(engine->kv_cache_totals().total_blocks - engine->kv_cache_totals().free_blocks, 126);
  engine->Step();
  const StepOutcome last = engine->Step();
  ASSERT_EQ(last.tokens.size(), 1u);
  EXPECT_EQ(last.tokens[0].output_index, 3);
  EXPECT_EQ(last.tokens[0].finish, FinishReason::kLength);
  EXPECT_TRUE(engine->idle());
}

TEST(EngineCoreTest, TransferredOutputMustLeaveTokensToDecode) {
  auto engine = *EngineCore::Create(SmallEngine());
  EngineRequest request = Request("decode", 100, 1);
  request.transferred_output = {42};
  EXPECT_THAT(engine->Add(std::move(request)).message(),
              HasSubstr("prefill worker already produced 1 of the 1 tokens"));
}

// vLLM's connector, prefill side: the KV a finished prefill request leaves
// for a decode worker counts in the cache until it is released.
TEST(EngineCoreTest, HeldKvStaysAllocatedUntilReleased) {
  auto engine = *EngineCore::Create(SmallEngine());
  EngineRequest request = Request("prefill", 100, 1);
  request.hold_kv_at_length = true;
  ASSERT_TRUE(engine->Add(std::move(request)).ok());
  const StepOutcome step = engine->Step();
  ASSERT_EQ(step.tokens.size(), 1u);
  EXPECT_EQ(step.tokens[0].finish, FinishReason::kLength);
  // 100 prompt tokens in blocks of 16.
  EXPECT_EQ(step.tokens[0].held_blocks.size(), 7u);
  EXPECT_TRUE(engine->idle());
  EXPECT_EQ(engine->held_kv_requests(), 1);
  EXPECT_EQ(engine->kv_cache_totals().total_blocks - engine->kv_cache_totals().free_blocks, 7);
  EXPECT_GT(engine->kv_cache_totals().usage(), 0);
  EXPECT_TRUE(engine->ReleaseHeldKv("prefill"));
  EXPECT_FALSE(engine->ReleaseHeldKv("prefill"));
  EXPECT_EQ(engine->kv_cache_totals().free_blocks, engine->kv_cache_totals().total_blocks);
  EXPECT_EQ(engine->held_kv_requests(), 0);
}

TEST(EngineCoreTest, KvIsHeldOnlyWhenTheRequestEndsAtItsLimit) {
  auto engine = *EngineCore::Create(SmallEngine());
  EngineRequest request = Request("prefill", 100, 4);
  request.hold_kv_at_length = true;
  request.stop_after_tokens = 2;  // the model emits EOS first
  ASSERT_TRUE(engine->Add(std::move(request)).ok());
  RunToCompletion(*engine);
  EXPECT_EQ(engine->held_kv_requests(), 0);
  EXPECT_EQ(engine->kv_cache_totals().free_blocks, engine->kv_cache_totals().total_blocks);
}

// vLLM's connector, decode side: the prompt's KV arrived, and the engine
// recomputes only the last prompt token to sample the first output token.
TEST(EngineCoreTest, TransferredPromptRecomputesOnlyItsLastToken) {
  auto engine = *EngineCore::Create(SmallEngine());
  EngineRequest request = Request("decode", 2000, 3);
  request.transferred_prompt_tokens = 2000;
  ASSERT_TRUE(engine->Add(std::move(request)).ok());
  const StepOutcome first = engine->Step();
  EXPECT_EQ(first.shape.new_tokens, 1);
  EXPECT_EQ(first.shape.kv_tokens_read, 2000);
  ASSERT_EQ(first.tokens.size(), 1u);
  EXPECT_EQ(first.tokens[0].output_index, 0);
  EXPECT_EQ(engine->kv_cache_totals().prefix_query_tokens, 0);
  engine->Step();
  const StepOutcome last = engine->Step();
  ASSERT_EQ(last.tokens.size(), 1u);
  EXPECT_EQ(last.tokens[0].output_index, 2);
  EXPECT_EQ(last.tokens[0].finish, FinishReason::kLength);
  EXPECT_TRUE(engine->idle());
}

TEST(EngineCoreTest, BatchingIsFasterThanSerialAndCostGrowsWithLoad) {
  double one = 0;
  {
    auto engine = *EngineCore::Create(SmallEngine());
    ASSERT_TRUE(engine->Add(Request("a", 128, 64)).ok());
    RunToCompletion(*engine, &one);
  }
  double many = 0;
  {
    auto engine = *EngineCore::Create(SmallEngine());
    for (int i = 0; i < 32; ++i) {
      ASSERT_TRUE(engine
                      ->Add(Request("r" + std::to_string(i), 128, 64,
                                    static_cast<tokenizer::TokenId>(i * 1000)))
                      .ok());
    }
    RunToCompletion(*engine, &many);
  }
  EXPECT_GT(many, one);
  EXPECT_LT(many, 32 * one / 4);
}

TEST(EngineCoreTest, PreemptsWhenTheCacheRunsOutAndStillFinishesEverything) {
  EngineConfig config = SmallEngine(4096);
  config.memory.gpu_memory_utilization = 0.8;  // leaves room for few sequences
  auto engine = *EngineCore::Create(config);
  const int64_t capacity = engine->kv_cache_totals().total_tokens();
  const int requests = static_cast<int>(capacity / 2000) + 4;
  for (int i = 0; i < requests; ++i) {
    ASSERT_TRUE(engine
                    ->Add(Request("r" + std::to_string(i), 1000, 1000,
                                  static_cast<tokenizer::TokenId>(i * 5000)))
                    .ok());
  }
  const auto results = RunToCompletion(*engine);
  EXPECT_EQ(static_cast<int>(results.size()), requests);
  for (const auto& [id, result] : results) EXPECT_EQ(result.first, 1000) << id;
  EXPECT_GT(engine->total_preemptions(), 0);
}

TEST(EngineCoreTest, RejectsRequestsThatCannotFit) {
  auto engine = *EngineCore::Create(SmallEngine(4096));
  EXPECT_THAT(engine->Add(Request("a", 4000, 200)).message(),
              HasSubstr("maximum context length is 4096 tokens"));
  EXPECT_THAT(engine->Add(Request("b", 0, 10)).message(), HasSubstr("prompt"));
  EXPECT_THAT(engine->Add(Request("c", 10, 0)).message(), HasSubstr("max_tokens"));
  ASSERT_TRUE(engine->Add(Request("d", 10, 1)).ok());
  EXPECT_EQ(engine->Add(Request("d", 10, 1)).code(), StatusCode::kAlreadyExists);
}

TEST(EngineCoreTest, AbortFreesTheRequest) {
  auto engine = *EngineCore::Create(SmallEngine());
  ASSERT_TRUE(engine->Add(Request("a", 100, 100)).ok());
  engine->Step();
  engine->Abort("a");
  EXPECT_TRUE(engine->idle());
  EXPECT_EQ(engine->kv_cache_totals().free_blocks, engine->kv_cache_totals().total_blocks);
}

TEST(EngineCoreTest, ModelThatDoesNotFitIsRefusedAtCreation) {
  EngineConfig config = SmallEngine();
  config.memory.model = *model::FindCatalogModel("llama-3.1-70b");
  const auto created = EngineCore::Create(config);
  ASSERT_FALSE(created.ok());
  EXPECT_THAT(created.status().message(), HasSubstr("exceed"));
}

TEST(EngineCoreTest, NoChunkedPrefillRunsPrefillOnlySteps) {
  EngineConfig config = SmallEngine();
  config.scheduler.enable_chunked_prefill = false;
  auto engine = *EngineCore::Create(config);
  ASSERT_TRUE(engine->Add(Request("a", 100, 10)).ok());
  engine->Step();  // prefill of a, first token
  ASSERT_TRUE(engine->Add(Request("b", 100, 10, 500)).ok());
  const StepOutcome prefill = engine->Step();
  EXPECT_EQ(prefill.shape.sequences, 1);  // b alone; a's decode waits
  EXPECT_EQ(prefill.shape.new_tokens, 100);
  const StepOutcome decode = engine->Step();
  EXPECT_EQ(decode.shape.new_tokens, 2);
}

EngineConfig MultiStepEngine(int64_t steps, bool chunked_prefill) {
  EngineConfig config = SmallEngine();
  config.scheduler.num_scheduler_steps = steps;
  config.scheduler.enable_chunked_prefill = chunked_prefill;
  config.scheduler.max_num_batched_tokens = 4096;
  return config;
}

TEST(EngineCoreTest, MultiStepWithoutChunkedPrefillRunsPrefillsAloneAndDecodesInRuns) {
  auto engine = *EngineCore::Create(MultiStepEngine(4, /*chunked_prefill=*/false));
  ASSERT_TRUE(engine->Add(Request("a", 100, 20)).ok());
  // A run of prefills is one step: prefills have no lookahead slots.
  const StepOutcome prefill = engine->Step();
  EXPECT_EQ(prefill.shape.new_tokens, 100);
  ASSERT_EQ(prefill.tokens.size(), 1u);
  // Then a's decodes run four steps; b, arriving mid-run, waits for the run's end.
  EXPECT_EQ(engine->Step().shape.sequences, 1);
  ASSERT_TRUE(engine->Add(Request("b", 100, 20, 500)).ok());
  EXPECT_EQ(engine->Step().shape.sequences, 1);
  EXPECT_EQ(engine->Step().shape.sequences, 1);
  EXPECT_EQ(engine->Step().shape.sequences, 1);
  // Next schedule: b's prefill alone, a's decode waits.
  const StepOutcome next = engine->Step();
  EXPECT_EQ(next.shape.sequences, 1);
  EXPECT_EQ(next.shape.new_tokens, 100);
  EXPECT_EQ(next.admitted, std::vector<std::string>{"b"});
  const StepOutcome decodes = engine->Step();
  EXPECT_EQ(decodes.shape.sequences, 2);
  EXPECT_EQ(decodes.shape.new_tokens, 2);
}

TEST(EngineCoreTest, MultiStepWithChunkedPrefillAdmitsWholePromptsAtARunsFirstStep) {
  auto engine = *EngineCore::Create(MultiStepEngine(3, /*chunked_prefill=*/true));
  ASSERT_TRUE(engine->Add(Request("a", 100, 20)).ok());
  EXPECT_EQ(engine->Step().shape.new_tokens, 100);  // a's prompt, the run's first step
  ASSERT_TRUE(engine->Add(Request("b", 50, 20, 500)).ok());
  // The run's other steps decode a alone.
  EXPECT_EQ(engine->Step().shape.new_tokens, 1);
  EXPECT_EQ(engine->Step().shape.new_tokens, 1);
  // The next run's first step: a's decode and b's whole prompt together.
  const StepOutcome mixed = engine->Step();
  EXPECT_EQ(mixed.shape.sequences, 2);
  EXPECT_EQ(mixed.shape.new_tokens, 51);
  // b decodes in the rest of the run.
  EXPECT_EQ(engine->Step().shape.new_tokens, 2);
}

TEST(EngineCoreTest, MultiStepDoesNotChunkAPromptOverTheBudget) {
  EngineConfig config = MultiStepEngine(2, /*chunked_prefill=*/true);
  config.scheduler.max_num_batched_tokens = 120;
  auto engine = *EngineCore::Create(config);
  ASSERT_TRUE(engine->Add(Request("a", 100, 20)).ok());
  ASSERT_TRUE(engine->Add(Request("b", 100, 20, 500)).ok());
  // b does not fit what a left of the budget: it waits whole for a later run.
  const StepOutcome first = engine->Step();
  EXPECT_EQ(first.shape.sequences, 1);
  EXPECT_EQ(first.shape.new_tokens, 100);
  EXPECT_EQ(engine->Step().shape.new_tokens, 1);
  const StepOutcome next = engine->Step();
  EXPECT_EQ(next.shape.sequences, 2);
  EXPECT_EQ(next.shape.new_tokens, 101);
}

TEST(EngineCoreTest, MultiStepPaysTheHostOverheadOncePerRun) {
  auto engine = *EngineCore::Create(MultiStepEngine(4, /*chunked_prefill=*/false));
  ASSERT_TRUE(engine->Add(Request("a", 10, 30)).ok());
  engine->Step();  // prefill
  const StepOutcome first = engine->Step();
  EXPECT_GT(first.cost.host_seconds, 0);
  EXPECT_DOUBLE_EQ(first.seconds, first.cost.total_seconds);
  for (int step = 0; step < 3; ++step) {
    const StepOutcome inside = engine->Step();
    EXPECT_DOUBLE_EQ(inside.seconds, inside.cost.device_seconds());
    EXPECT_LT(inside.seconds, inside.cost.total_seconds);
  }
  const StepOutcome next_run = engine->Step();
  EXPECT_DOUBLE_EQ(next_run.seconds, next_run.cost.total_seconds);

  // A single-step engine pays it every step.
  auto single = *EngineCore::Create(MultiStepEngine(1, /*chunked_prefill=*/false));
  ASSERT_TRUE(single->Add(Request("a", 10, 30)).ok());
  single->Step();
  for (int step = 0; step < 4; ++step) {
    const StepOutcome outcome = single->Step();
    EXPECT_DOUBLE_EQ(outcome.seconds, outcome.cost.total_seconds);
  }
}

// Times at which `id`'s tokens were delivered, stepping until idle.
std::vector<double> DeliveryTimes(EngineCore& engine, const std::string& id) {
  std::vector<double> times;
  double now = 0;
  while (!engine.idle()) {
    const StepOutcome step = engine.Step();
    now += step.seconds;
    for (const TokenEvent& event : step.tokens) {
      if (event.request_id == id) times.push_back(now);
    }
  }
  return times;
}

TEST(EngineCoreTest, MultiStepStreamsEachStepsTokensByDefault) {
  auto engine = *EngineCore::Create(MultiStepEngine(4, /*chunked_prefill=*/false));
  ASSERT_TRUE(engine->Add(Request("a", 10, 9)).ok());
  const std::vector<double> times = DeliveryTimes(*engine, "a");
  ASSERT_EQ(times.size(), 9u);
  for (size_t i = 1; i < times.size(); ++i) EXPECT_GT(times[i], times[i - 1]) << i;
}

TEST(EngineCoreTest, MultiStepWithoutStreamedOutputsDeliversARunsTokensInOneBurst) {
  EngineConfig config = MultiStepEngine(4, /*chunked_prefill=*/false);
  config.multi_step_stream_outputs = false;
  auto engine = *EngineCore::Create(config);
  // The prefill run (one token), two runs of four, and one cut short by the
  // token limit.
  ASSERT_TRUE(engine->Add(Request("a", 10, 11)).ok());
  const std::vector<double> times = DeliveryTimes(*engine, "a");
  ASSERT_EQ(times.size(), 11u);
  EXPECT_LT(times[0], times[1]);
  for (size_t i = 2; i <= 4; ++i) EXPECT_DOUBLE_EQ(times[i], times[1]) << i;
  EXPECT_LT(times[4], times[5]);
  for (size_t i = 6; i <= 8; ++i) EXPECT_DOUBLE_EQ(times[i], times[5]) << i;
  EXPECT_LT(times[8], times[9]);
  EXPECT_DOUBLE_EQ(times[10], times[9]);
}

TEST(EngineCoreTest, HeldBackTokensOfARunEmptiedByAbortsAreStillDelivered) {
  EngineConfig config = MultiStepEngine(4, /*chunked_prefill=*/false);
  config.multi_step_stream_outputs = false;
  auto engine = *EngineCore::Create(config);
  ASSERT_TRUE(engine->Add(Request("a", 10, 20)).ok());
  ASSERT_TRUE(engine->Add(Request("b", 10, 3, 500)).ok());
  engine->Step();                              // both prefills, a run of one step: delivered
  EXPECT_TRUE(engine->Step().tokens.empty());  // b's second token, held
  EXPECT_TRUE(engine->Step().tokens.empty());  // b's last, held: a still runs
  engine->Abort("a");
  ASSERT_FALSE(engine->idle());
  const StepOutcome flush = engine->Step();
  EXPECT_EQ(flush.seconds, 0);
  int64_t delivered = 0;
  for (const TokenEvent& event : flush.tokens) delivered += event.request_id == "b" ? 1 : 0;
  EXPECT_EQ(delivered, 2);
  EXPECT_TRUE(engine->idle());
}

EngineConfig SpeculativeEngine(int64_t tokens, double acceptance, bool draft_model) {
  EngineConfig config = SmallEngine();
  SpeculativeDecoding speculative;
  speculative.num_speculative_tokens = tokens;
  speculative.acceptance_rate = acceptance;
  if (draft_model) speculative.draft_model = *model::FindCatalogModel("llama-3.1-8b");
  config.speculative = speculative;
  config.scheduler.num_speculative_tokens = tokens;
  return config;
}

TEST(EngineCoreTest, SpeculativeDecodingEmitsTheAcceptedProposalsAndOneMore) {
  auto engine = *EngineCore::Create(SpeculativeEngine(3, 1.0, /*draft_model=*/false));
  ASSERT_TRUE(engine->Add(Request("a", 10, 10)).ok());
  const StepOutcome prefill = engine->Step();  // the prompt; nothing proposed yet
  EXPECT_EQ(prefill.tokens.size(), 1u);
  EXPECT_EQ(prefill.draft_tokens, 0);
  const StepOutcome decode = engine->Step();
  // The target scores the last token and three proposals in one step.
  EXPECT_EQ(decode.shape.new_tokens, 4);
  EXPECT_EQ(decode.draft_tokens, 3);
  EXPECT_EQ(decode.accepted_tokens, 3);
  EXPECT_EQ(decode.emitted_tokens, 4);
  ASSERT_EQ(decode.tokens.size(), 4u);
  EXPECT_EQ(decode.tokens[0].output_index, 1);
  EXPECT_EQ(decode.tokens[3].output_index, 4);
  EXPECT_EQ(engine->Step().tokens.size(), 4u);  // tokens 5-8
  // The token limit cuts the last step short.
  const StepOutcome last = engine->Step();
  ASSERT_EQ(last.tokens.size(), 1u);
  EXPECT_EQ(last.tokens[0].finish, FinishReason::kLength);
  EXPECT_TRUE(engine->idle());
  EXPECT_EQ(engine->kv_cache_totals().free_blocks, engine->kv_cache_totals().total_blocks);
}

TEST(EngineCoreTest, SpeculativeDecodingKeepsAPrefixAndCountsEveryAcceptedProposal) {
  // With acceptance a, a sequence keeps the proposals up to the first
  // rejected, a + a^2 + ... + a^k of k on average (0.9375 for k = 4,
  // a = 0.5), and emits one more; vLLM's sampler counts every accepted
  // proposal, k·a = 2 on average.
  auto engine = *EngineCore::Create(SpeculativeEngine(4, 0.5, /*draft_model=*/false));
  ASSERT_TRUE(engine->Add(Request("a", 10, 3000)).ok());
  engine->Step();
  int64_t steps = 0;
  int64_t accepted = 0;
  int64_t emitted = 0;
  for (; steps < 500; ++steps) {
    const StepOutcome step = engine->Step();
    accepted += step.accepted_tokens;
    emitted += step.emitted_tokens;
    EXPECT_LE(step.emitted_tokens, step.accepted_tokens + 1);
    EXPECT_EQ(step.draft_tokens, 4);
  }
  // Four standard errors over 500 steps.
  EXPECT_NEAR(static_cast<double>(emitted) / static_cast<double>(steps), 1.9375, 0.11);
  EXPECT_NEAR(static_cast<double>(accepted) / static_cast<double>(steps), 2.0, 0.18);
  FinishReason finish = FinishReason::kNone;
  int64_t last_index = -1;
  while (!engine->idle()) {
    for (const TokenEvent& event : engine->Step().tokens) {
      finish = event.finish;
      last_index = event.output_index;
    }
  }
  EXPECT_EQ(finish, FinishReason::kLength);
  EXPECT_EQ(last_index, 2999);
}

TEST(EngineCoreTest, ADraftModelAddsItsOwnStepsToTheTime) {
  auto ngram = *EngineCore::Create(SpeculativeEngine(4, 0.0, /*draft_model=*/false));
  auto draft = *EngineCore::Create(SpeculativeEngine(4, 0.0, /*draft_model=*/true));
  for (EngineCore* engine : {ngram.get(), draft.get()}) {
    ASSERT_TRUE(engine->Add(Request("a", 100, 20)).ok());
  }
  const StepOutcome ngram_prefill = ngram->Step();
  const StepOutcome draft_prefill = draft->Step();
  EXPECT_EQ(ngram_prefill.draft_seconds, 0);
  EXPECT_GT(draft_prefill.draft_seconds, 0);  // the draft model prefills too
  const StepOutcome ngram_decode = ngram->Step();
  const StepOutcome draft_decode = draft->Step();
  EXPECT_EQ(ngram_decode.shape.new_tokens, draft_decode.shape.new_tokens);
  EXPECT_DOUBLE_EQ(ngram_decode.seconds, ngram_decode.cost.total_seconds);
  // Four proposal steps of the draft model, each at least its fixed costs.
  EXPECT_GT(draft_decode.draft_seconds, 4 * 0.005);
  EXPECT_DOUBLE_EQ(draft_decode.seconds,
                   draft_decode.cost.total_seconds + draft_decode.draft_seconds);
}

// llama-3.1-8b on whole MI300Xs, TP 1, in `stages` pipeline stages; vLLM V0
// without chunked prefill.
EngineConfig PipelineEngine(int64_t stages) {
  EngineConfig config = SmallEngine();
  config.memory.partition = *hardware::ResolvePartition("mi300x", "spx");
  config.memory.pipeline_parallel_size = stages;
  config.scheduler.enable_chunked_prefill = false;
  return config;
}

// What one batch of `shape` costs passing every stage in turn with nothing
// else in flight: the host's share, each stage's device time, and the
// transfers between them.
double SerialPipelineSeconds(const EngineConfig& config, const StepShape& shape) {
  const HardwareEfficiency efficiency = EfficiencyFor(*config.memory.partition.gpu);
  double seconds = 0;
  const std::vector<model::PipelineStage> stages =
      model::PipelineStages(config.memory.model, config.memory.pipeline_parallel_size);
  for (size_t index = 0; index < stages.size(); ++index) {
    const PerformanceModel stage(config.memory.model, config.memory.partition,
                                 config.memory.tensor_parallel_size, config.memory.weight_type,
                                 config.memory.kv_cache_type, efficiency, stages[index]);
    const StepCost cost = stage.Cost(shape);
    if (index == 0) seconds += cost.host_seconds;
    seconds += cost.device_seconds();
    if (index + 1 < stages.size()) seconds += stage.TransferSeconds(shape.new_tokens);
  }
  return seconds;
}

TEST(EngineCoreTest, PipelineStagesEachHoldTheirShareOfTheKvCache) {
  auto single = *EngineCore::Create(PipelineEngine(1));
  auto pipeline = *EngineCore::Create(PipelineEngine(4));
  // Each GPU holds a quarter of the layers, so about four times the tokens
  // per byte, split among four virtual engines as vLLM V0 splits the blocks.
  const int64_t engine_blocks = pipeline->kv_cache_totals().total_blocks / 4;
  EXPECT_GT(engine_blocks, single->kv_cache_totals().total_blocks);
  EXPECT_GT(pipeline->max_concurrency(), 3.5 * single->max_concurrency());
  EXPECT_NEAR(pipeline->max_concurrency(), 4.0 * static_cast<double>(engine_blocks * 16) / 4096.0,
              1e-9);
}

TEST(EngineCoreTest, PipelineWithOneRequestRunsItsStagesOneAfterAnother) {
  const EngineConfig config = PipelineEngine(4);
  auto engine = *EngineCore::Create(config);
  ASSERT_TRUE(engine->Add(Request("a", 300, 5)).ok());
  int steps = 0;
  while (!engine->idle()) {
    const StepOutcome step = engine->Step();
    // The bubble: one micro-batch in flight, so each step's latency is the
    // sum of the stages and the transfers between them.
    EXPECT_NEAR(step.seconds, SerialPipelineSeconds(config, step.shape), 1e-12);
    EXPECT_GT(step.seconds, step.cost.total_seconds);
    ++steps;
  }
  EXPECT_EQ(steps, 5);
}

TEST(EngineCoreTest, PipelineOverlapsTheMicroBatchesOfItsVirtualEngines) {
  // One request per virtual engine: four micro-batches in flight.
  const auto run = [](int requests, int64_t scheduler_steps, int64_t* tokens) {
    EngineConfig config = PipelineEngine(4);
    config.scheduler.num_scheduler_steps = scheduler_steps;
    auto engine = *EngineCore::Create(config);
    for (int index = 0; index < requests; ++index) {
      EXPECT_TRUE(engine->Add(Request("r" + std::to_string(index), 200, 64)).ok());
    }
    double seconds = 0;
    const auto results = RunToCompletion(*engine, &seconds);
    EXPECT_EQ(static_cast<int>(results.size()), requests);
    *tokens = 0;
    for (const auto& [id, result] : results) *tokens += result.first;
    return seconds;
  };
  int64_t one_tokens = 0;
  int64_t four_tokens = 0;
  // Multi-step, so that the host's work hardly counts: the stages decide.
  const double one = run(1, 8, &one_tokens);
  const double four = run(4, 8, &four_tokens);
  EXPECT_EQ(four_tokens, 4 * one_tokens);
  // Four times the work in well under twice the time: while one virtual
  // engine's batch is in stage 3, the others' are in stages 0 to 2.
  EXPECT_LT(four, 1.5 * one);
  // One step per schedule: the host (one process for every virtual engine)
  // prepares each batch in turn, and its 6 ms a step outweigh the stages of
  // a one-sequence batch of llama-3.1-8b, so the host bounds the overlap.
  const double host_bound_one = run(1, 1, &one_tokens);
  const double host_bound_four = run(4, 1, &four_tokens);
  EXPECT_GT(host_bound_four, 1.5 * host_bound_one);
  EXPECT_LT(host_bound_four, 4.0 * host_bound_one);

  // The slowest stage bounds the throughput: a completion every slowest
  // stage's time at best.
  auto engine = *EngineCore::Create(PipelineEngine(4));
  for (int index = 0; index < 4; ++index) {
    ASSERT_TRUE(engine->Add(Request("r" + std::to_string(index), 200, 64)).ok());
  }
  const EngineConfig config = PipelineEngine(4);
  const HardwareEfficiency efficiency = EfficiencyFor(*config.memory.partition.gpu);
  double elapsed = 0;
  double slowest_stage_total = 0;
  while (!engine->idle()) {
    const StepOutcome step = engine->Step();
    elapsed += step.seconds;
    double slowest = 0;
    for (const model::PipelineStage& stage : model::PipelineStages(config.memory.model, 4)) {
      const PerformanceModel model(config.memory.model, config.memory.partition, 1,
                                   config.memory.weight_type, config.memory.kv_cache_type,
                                   efficiency, stage);
      slowest = std::max(slowest, model.Cost(step.shape).device_seconds());
    }
    slowest_stage_total += slowest;
  }
  EXPECT_GE(elapsed, slowest_stage_total);
}

TEST(EngineCoreTest, RequestsGoToTheVirtualEngineWithTheFewestUnfinished) {
  auto engine = *EngineCore::Create(PipelineEngine(2));
  ASSERT_TRUE(engine->Add(Request("a", 100, 3)).ok());
  ASSERT_TRUE(engine->Add(Request("b", 100, 3)).ok());
  // Each virtual engine prefills its own request: two prefills of one
  // sequence each, not one of two.
  const StepOutcome first = engine->Step();
  EXPECT_EQ(first.shape.sequences, 1);
  EXPECT_EQ(engine->running(), 2);
  EXPECT_EQ(engine->waiting(), 0);
  ASSERT_EQ(first.tokens.size(), 1u);
  EXPECT_EQ(first.tokens[0].request_id, "a");
  // The second virtual engine's prefill completes next, a stage later.
  const StepOutcome second = engine->Step();
  ASSERT_EQ(second.tokens.size(), 1u);
  EXPECT_EQ(second.tokens[0].request_id, "b");
  EXPECT_LT(second.seconds, first.seconds);
}

TEST(EngineCoreTest, PipelineAbortOfABatchInFlightLeavesNothingBehind) {
  auto engine = *EngineCore::Create(PipelineEngine(2));
  ASSERT_TRUE(engine->Add(Request("a", 100, 20)).ok());
  ASSERT_TRUE(engine->Add(Request("b", 100, 20)).ok());
  engine->Step();  // both launched, one completed; the other is in flight
  engine->Abort("b");
  engine->Abort("a");
  for (int guard = 0; !engine->idle() && guard < 10; ++guard) engine->Step();
  EXPECT_TRUE(engine->idle());
  EXPECT_EQ(engine->kv_cache_totals().free_blocks, engine->kv_cache_totals().total_blocks);
}

TEST(EngineCoreTest, PipelineParallelismWithSpeculativeDecodingIsRefused) {
  EngineConfig config = PipelineEngine(2);
  config.speculative =
      SpeculativeDecoding{.draft_model = std::nullopt, .num_speculative_tokens = 3};
  config.scheduler.num_speculative_tokens = 3;
  const auto engine = EngineCore::Create(config);
  ASSERT_FALSE(engine.ok());
  EXPECT_THAT(engine.status().message(), HasSubstr("--pipeline-parallel-size 2"));
}

}  // namespace
}  // namespace tessera::simulator
