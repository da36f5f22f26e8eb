#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/file.h"
#include "cli/bench/random_dataset.h"
#include "cli/bench/shared_prefix_dataset.h"
#include "cli/bench/sharegpt_dataset.h"
#include "engine/tokenizer/stand_in_tokenizer.h"

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
    EXPECT_EQ(tokenizer::CountTokens(prompt.prompt), prompt.prompt_len);
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

TEST(RandomDatasetTest, BadOptionsNameTheFlag) {
  EXPECT_THAT(RandomDataset({.num_prompts = 0}).status().message(), HasSubstr("--num-prompts"));
  EXPECT_THAT(RandomDataset({.range_ratio = 1.0}).status().message(),
              HasSubstr("--random-range-ratio"));
  EXPECT_THAT(RandomDataset({.input_len = -3}).status().message(), HasSubstr("--random-input-len"));
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
    EXPECT_EQ(tokenizer::CountTokens(prompt.prompt), prompt.prompt_len);
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
