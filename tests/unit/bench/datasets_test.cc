#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/file.h"
#include "cli/bench/random_dataset.h"
#include "cli/bench/shared_prefix_dataset.h"
#include "cli/bench/sharegpt_dataset.h"
#include "engine/tokenizer/hugging_face_tokenizer.h"
#include "engine/tokenizer/stand_in_tokenizer.h"
#include "tests/unit/tokenizer/family_tokenizer.h"

namespace tessera::bench {
namespace {

using ::testing::HasSubstr;

TEST(RandomDatasetTest, LengthsStayInTheRangeAndPromptsCountWhatTheySay) {
  StatusOr<std::vector<BenchmarkPrompt>> prompts = RandomDataset(
      {.num_prompts = 200, .input_len = 100, .output_len = 50, .range_ratio = 0.5, .seed = 1});
  ASSERT_TRUE(prompts.ok()) << prompts.status();
  ASSERT_EQ(prompts->size(), 200u);
  int64_t shortest = 1000;
  int64_t longest = 0;
  for (const BenchmarkPrompt& prompt : *prompts) {
    EXPECT_EQ(tokenizer::StandInTokenizer::Shared()->CountTokens(prompt.prompt), prompt.prompt_len);
    EXPECT_GE(prompt.output_len, 25);
    EXPECT_LE(prompt.output_len, 75);
    shortest = std::min(shortest, prompt.prompt_len);
    longest = std::max(longest, prompt.prompt_len);
  }
  EXPECT_GE(shortest, 50);
  EXPECT_LE(longest, 150);
  EXPECT_LT(shortest, 60);  // the range is used, not just its middle
  EXPECT_GT(longest, 140);
}

TEST(RandomDatasetTest, SameSeedSameWorkload) {
  const RandomDatasetOptions options{.num_prompts = 5, .input_len = 30, .output_len = 8, .seed = 9};
  EXPECT_EQ((*RandomDataset(options))[4].prompt, (*RandomDataset(options))[4].prompt);
  EXPECT_EQ((*RandomDataset(options))[0].prompt_len, 30);
}

TEST(RandomDatasetTest, LengthsCountWhatTheTokenizerAddsBeforeAPrompt) {
  // A beginning-of-sequence token, as Llama 3's and DeepSeek's tokenizers add.
  const auto tokenizer = std::make_shared<tokenizer::FamilyTokenizer>(
      std::map<std::string, tokenizer::TokenId, std::less<>>{}, std::vector<tokenizer::TokenId>{1});
  StatusOr<std::vector<BenchmarkPrompt>> prompts = RandomDataset({.num_prompts = 50,
                                                                  .input_len = 40,
                                                                  .output_len = 8,
                                                                  .range_ratio = 0.9,
                                                                  .seed = 3,
                                                                  .tokenizer = tokenizer});
  ASSERT_TRUE(prompts.ok()) << prompts.status();
  for (const BenchmarkPrompt& prompt : *prompts) {
    EXPECT_EQ(tokenizer::CountPromptTokens(*tokenizer, prompt.prompt), prompt.prompt_len);
  }
  // A length of one leaves no room beside the prefix: the prompt keeps one
  // token of its own.
  prompts =
      RandomDataset({.num_prompts = 1, .input_len = 1, .output_len = 8, .tokenizer = tokenizer});
  ASSERT_TRUE(prompts.ok()) << prompts.status();
  EXPECT_EQ((*prompts)[0].prompt_len, 2);
  EXPECT_EQ(tokenizer->CountTokens((*prompts)[0].prompt), 1);
}

TEST(RandomDatasetTest, PromptsCountExactlyTheirLengthUnderARealTokenizerOverManySeeds) {
  // A byte-level BPE trained by Hugging Face tokenizers, with a
  // beginning-of-sequence token its template adds.
  StatusOr<std::unique_ptr<tokenizer::HuggingFaceTokenizer>> loaded =
      tokenizer::HuggingFaceTokenizer::Load(
          TESSERA_SOURCE_DIR "/tests/fixtures/tokenizers/tiny_bpe/tokenizer.json", std::nullopt);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const std::shared_ptr<const tokenizer::Tokenizer> tokenizer = *std::move(loaded);
  ASSERT_EQ(tokenizer->SequencePrefix().size(), 1u);
  for (uint64_t seed = 0; seed < 100; ++seed) {
    StatusOr<std::vector<BenchmarkPrompt>> prompts = RandomDataset({.num_prompts = 20,
                                                                    .input_len = 300,
                                                                    .output_len = 8,
                                                                    .range_ratio = 0.9,
                                                                    .seed = seed,
                                                                    .tokenizer = tokenizer});
    ASSERT_TRUE(prompts.ok()) << prompts.status();
    for (const BenchmarkPrompt& prompt : *prompts) {
      ASSERT_EQ(static_cast<int64_t>(tokenizer::EncodePrompt(*tokenizer, prompt.prompt).size()),
                prompt.prompt_len)
          << "seed " << seed << ": " << prompt.prompt;
    }
  }
}

TEST(RandomDatasetTest, BadOptionsNameTheFlag) {
  EXPECT_THAT(RandomDataset({.num_prompts = 0}).status().message(), HasSubstr("--num-prompts"));
  EXPECT_THAT(RandomDataset({.range_ratio = 1.0}).status().message(),
              HasSubstr("--random-range-ratio"));
  EXPECT_THAT(RandomDataset({.input_len = -3}).status().message(), HasSubstr("--random-input-len"));
}

// Every length over many seeds lies in [low, high], and both ends are drawn.
void ExpectLengthsSpan(RangeRatioRule rule, double ratio, int64_t input_low, int64_t input_high,
                       int64_t output_low, int64_t output_high) {
  int64_t shortest_input = input_high + 1;
  int64_t longest_input = 0;
  int64_t shortest_output = output_high + 1;
  int64_t longest_output = 0;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    StatusOr<std::vector<BenchmarkPrompt>> prompts = RandomDataset({.num_prompts = 50,
                                                                    .input_len = 40,
                                                                    .output_len = 20,
                                                                    .range_ratio = ratio,
                                                                    .range_rule = rule,
                                                                    .seed = seed});
    ASSERT_TRUE(prompts.ok()) << prompts.status();
    for (const BenchmarkPrompt& prompt : *prompts) {
      shortest_input = std::min(shortest_input, prompt.prompt_len);
      longest_input = std::max(longest_input, prompt.prompt_len);
      shortest_output = std::min(shortest_output, prompt.output_len);
      longest_output = std::max(longest_output, prompt.output_len);
    }
  }
  EXPECT_EQ(shortest_input, input_low);
  EXPECT_EQ(longest_input, input_high);
  EXPECT_EQ(shortest_output, output_low);
  EXPECT_EQ(longest_output, output_high);
}

TEST(RandomDatasetTest, VllmRuleDrawsAroundTheLength) {
  // [len·(1−r), len·(1+r)]: 40 → [30, 50], 20 → [15, 25].
  ExpectLengthsSpan(RangeRatioRule::kVllm, 0.25, 30, 50, 15, 25);
  ExpectLengthsSpan(RangeRatioRule::kVllm, 0.0, 40, 40, 20, 20);
}

TEST(RandomDatasetTest, SglangRuleDrawsBelowTheLength) {
  // [len·r, len]: 40 → [10, 40], 20 → [5, 20].
  ExpectLengthsSpan(RangeRatioRule::kSglang, 0.25, 10, 40, 5, 20);
  // r = 1 is SGLang's fixed length; r = 0 its whole range, from 1 token.
  ExpectLengthsSpan(RangeRatioRule::kSglang, 1.0, 40, 40, 20, 20);
  ExpectLengthsSpan(RangeRatioRule::kSglang, 0.0, 1, 40, 1, 20);
}

TEST(RandomDatasetTest, LengthBoundsFollowEachClientsArithmetic) {
  // int() truncation, as in both clients: 1024 · 0.3 = 307.2.
  EXPECT_EQ(LengthBounds(1024, 0.3, RangeRatioRule::kSglang).low, 307);
  EXPECT_EQ(LengthBounds(1024, 0.3, RangeRatioRule::kSglang).high, 1024);
  EXPECT_EQ(LengthBounds(1024, 0.3, RangeRatioRule::kVllm).low, 716);
  EXPECT_EQ(LengthBounds(1024, 0.3, RangeRatioRule::kVllm).high, 1331);
  EXPECT_EQ(LengthBounds(1024, 0.5, RangeRatioRule::kSglang).low, 512);
}

TEST(RandomDatasetTest, SglangRuleAcceptsOneAndRejectsMore) {
  EXPECT_TRUE(
      RandomDataset({.num_prompts = 1, .range_ratio = 1.0, .range_rule = RangeRatioRule::kSglang})
          .ok());
  const Status too_large =
      RandomDataset({.range_ratio = 1.5, .range_rule = RangeRatioRule::kSglang}).status();
  EXPECT_THAT(too_large.message(), HasSubstr("--random-range-ratio: must be in [0, 1]"));
}

TEST(ShareGptDatasetTest, ReadsTheFixtureAndFiltersLikeVllm) {
  StatusOr<std::string> text =
      ReadFile(TESSERA_SOURCE_DIR "/tests/fixtures/sharegpt/sharegpt_small.json");
  ASSERT_TRUE(text.ok()) << text.status();
  StatusOr<std::vector<BenchmarkPrompt>> prompts =
      ShareGptDataset(*text, {.num_prompts = 40, .seed = 0});
  ASSERT_TRUE(prompts.ok()) << prompts.status();
  ASSERT_EQ(prompts->size(), 40u);
  for (const BenchmarkPrompt& prompt : *prompts) {
    EXPECT_GE(prompt.prompt_len, 4);
    EXPECT_LE(prompt.prompt_len, 1024);
    EXPECT_NE(prompt.prompt, "only a question");
    EXPECT_NE(prompt.prompt, "hi");
  }
}

TEST(ShareGptDatasetTest, FixedOutputLengthAndOversampling) {
  const std::string text =
      R"([{"conversations":[{"from":"human","value":"what is a partition of a GPU"},)"
      R"({"from":"gpt","value":"ok"}]}])";
  StatusOr<std::vector<BenchmarkPrompt>> prompts =
      ShareGptDataset(text, {.num_prompts = 3, .output_len = 64});
  ASSERT_TRUE(prompts.ok()) << prompts.status();
  ASSERT_EQ(prompts->size(), 3u);
  EXPECT_EQ((*prompts)[2].output_len, 64);
  // Without a fixed length the two-token answer is filtered out.
  EXPECT_THAT(ShareGptDataset(text, {.num_prompts = 3}).status().message(),
              HasSubstr("no conversation passed the filters"));
}

TEST(ShareGptDatasetTest, MalformedFilesNameEntryAndField) {
  EXPECT_THAT(ShareGptDataset("{}", {}).status().message(), HasSubstr("JSON list"));
  EXPECT_THAT(ShareGptDataset("[1]", {}).status().message(), HasSubstr("entry 0"));
  EXPECT_THAT(ShareGptDataset(R"([{"conversations":"x"}])", {}).status().message(),
              HasSubstr("entry 0: conversations: must be a list"));
  EXPECT_THAT(ShareGptDataset(R"([{"conversations":[{"value":"a b c d e"},{"value":7}]}])", {})
                  .status()
                  .message(),
              HasSubstr("entry 0: conversations[1].value: must be a string"));
  EXPECT_THAT(ShareGptDataset("[{", {}).status().message(), HasSubstr("line 1"));
}

TEST(SharedPrefixDatasetTest, GroupsShareTheirSystemPrompt) {
  StatusOr<std::vector<BenchmarkPrompt>> prompts = SharedPrefixDataset({.num_groups = 3,
                                                                        .prompts_per_group = 4,
                                                                        .system_prompt_len = 64,
                                                                        .question_len = 8,
                                                                        .output_len = 16,
                                                                        .seed = 2});
  ASSERT_TRUE(prompts.ok()) << prompts.status();
  ASSERT_EQ(prompts->size(), 12u);
  std::map<std::string, int> groups;
  for (const BenchmarkPrompt& prompt : *prompts) {
    EXPECT_EQ(tokenizer::StandInTokenizer::Shared()->CountTokens(prompt.prompt), prompt.prompt_len);
    EXPECT_EQ(prompt.prompt_len, 64 + 2 + 8);
    EXPECT_EQ(prompt.output_len, 16);
    ++groups[prompt.prompt.substr(0, prompt.prompt.find("\n\n"))];
  }
  EXPECT_EQ(groups.size(), 3u);
  for (const auto& [prefix, count] : groups) EXPECT_EQ(count, 4);
  EXPECT_THAT(SharedPrefixDataset({.num_groups = 0}).status().message(),
              HasSubstr("--gsp-num-groups"));
}

}  // namespace
}  // namespace tessera::bench
