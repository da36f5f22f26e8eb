#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/file.h"
#include "base/yaml_json.h"
#include "cli/bench/random_dataset.h"
#include "cli/bench/shared_prefix_dataset.h"
#include "cli/bench/sharegpt_dataset.h"
#include "engine/tokenizer/hugging_face_tokenizer.h"
#include "engine/tokenizer/stand_in_tokenizer.h"
#include "tests/unit/tokenizer/family_tokenizer.h"

namespace tessera::bench {
namespace {

// A byte-level BPE trained by Hugging Face tokenizers, with a
// beginning-of-sequence token its template adds.
std::shared_ptr<const tokenizer::Tokenizer> TinyBpe() {
  StatusOr<std::unique_ptr<tokenizer::HuggingFaceTokenizer>> loaded =
      tokenizer::HuggingFaceTokenizer::Load(
          TESSERA_SOURCE_DIR "/tests/fixtures/tokenizers/tiny_bpe/tokenizer.json", std::nullopt);
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  return loaded.ok() ? std::shared_ptr<const tokenizer::Tokenizer>(*std::move(loaded))
                     : tokenizer::StandInTokenizer::Shared();
}

// The 43 conversations of the committed ShareGPT fixture, of which 42 have
// two turns or more.
std::string ShareGptFixture() {
  StatusOr<std::string> text =
      ReadFile(TESSERA_SOURCE_DIR "/tests/fixtures/sharegpt/sharegpt_small.json");
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *std::move(text) : std::string();
}

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
  const std::shared_ptr<const tokenizer::Tokenizer> tokenizer = TinyBpe();
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
  const std::string text = ShareGptFixture();
  StatusOr<std::vector<BenchmarkPrompt>> prompts =
      ShareGptDataset(text, {.num_prompts = 40, .seed = 0});
  ASSERT_TRUE(prompts.ok()) << prompts.status();
  ASSERT_EQ(prompts->size(), 40u);
  for (const BenchmarkPrompt& prompt : *prompts) {
    EXPECT_GE(prompt.prompt_len, 4);
    EXPECT_LE(prompt.prompt_len, 1024);
    EXPECT_NE(prompt.prompt, "only a question");
    EXPECT_NE(prompt.prompt, "hi");
  }
}

// Where each prompt comes from in the fixture: its entry's index.
std::vector<size_t> FixtureIndices(const std::string& text,
                                   const std::vector<BenchmarkPrompt>& prompts) {
  std::map<std::string, size_t> index_of;
  const nlohmann::json entries = *ParseJson(text);
  for (size_t index = 0; index < entries.size(); ++index) {
    const nlohmann::json& turns = entries[index]["conversations"];
    if (turns.size() >= 2) index_of.emplace(turns[0]["value"].get<std::string>(), index);
  }
  std::vector<size_t> indices;
  indices.reserve(prompts.size());
  for (const BenchmarkPrompt& prompt : prompts) indices.push_back(index_of.at(prompt.prompt));
  return indices;
}

TEST(ShareGptDatasetTest, PicksVllmsPromptsInVllmsOrder) {
  // What vLLM 0.8.5's own ShareGPTDataset(...).sample(...) takes from the
  // fixture, as entry indices, with the tiny BPE tokenizer read by
  // transformers 4.51.1; from the repository root, with the engine clients'
  // environment (EC=~/.cache/tessera/engine-clients-474067de22b0):
  //   PYTHONPATH=tests/e2e/engine_clients/vllm_stub:$EC/vllm-benchmarks $EC/bin/python -c "
  //   import json
  //   from transformers import PreTrainedTokenizerFast
  //   from benchmark_dataset import ShareGPTDataset
  //   tok =
  //   PreTrainedTokenizerFast(tokenizer_file='tests/fixtures/tokenizers/tiny_bpe/tokenizer.json')
  //   path = 'tests/fixtures/sharegpt/sharegpt_small.json'
  //   index = {e['conversations'][0]['value']: i for i, e in enumerate(json.load(open(path)))}
  //   for seed in (0, 1, 7, 42, 2**40+3):
  //     s = ShareGPTDataset(dataset_path=path, random_seed=seed).sample(tokenizer=tok,
  //     num_requests=45) print(seed, [index[r.prompt] for r in s], (s[0].prompt_len,
  //     s[0].expected_output_len))"
  // 40 of the 42 entries of two turns or more pass the filters; the last 5
  // of 45 are vLLM's oversampling. Seeds 1 and 7 walk over the rejected
  // entries 41 and 42 within the first 10.
  struct Case {
    uint64_t seed;
    std::vector<size_t> indices;
    int64_t first_prompt_len;
    int64_t first_output_len;
  };
  const std::vector<Case> cases = {
      {0,
       {36, 11, 33, 0, 37, 20, 14, 7,  18, 21, 12, 6,  5,  1,  23, 15, 10, 39, 35, 28, 27, 17, 8,
        34, 3,  29, 9, 4,  38, 13, 22, 30, 19, 25, 31, 32, 16, 2,  26, 24, 25, 22, 10, 12, 27},
       263,
       639},
      {1,
       {33, 2,  11, 1,  39, 27, 5, 9,  17, 25, 20, 38, 21, 34, 23, 10, 3, 18, 37, 14, 22, 29, 19,
        32, 12, 26, 35, 0,  15, 6, 13, 24, 30, 28, 31, 7,  16, 4,  36, 8, 27, 28, 13, 20, 14},
       431,
       121},
      {7,
       {14, 5,  22, 16, 10, 15, 11, 35, 37, 24, 8, 0,  19, 36, 12, 21, 39, 33, 18, 30, 27, 17, 26,
        7,  29, 28, 31, 2,  1,  13, 32, 38, 23, 6, 34, 4,  3,  25, 9,  20, 19, 11, 31, 22, 17},
       407,
       124},
      {42,
       {9,  3,  10, 26, 37, 18, 39, 25, 4,  33, 22, 11, 29, 21, 12, 24, 35, 36, 32, 13, 23, 20, 28,
        38, 30, 19, 16, 34, 31, 0,  2,  27, 5,  6,  8,  14, 15, 17, 1,  7,  19, 3,  11, 4,  0},
       615,
       517},
      {(uint64_t{1} << 40) + 3,
       {13, 7,  29, 38, 31, 12, 28, 22, 24, 39, 37, 4,  20, 5, 0,  2, 26, 33, 34, 23, 1,  11, 17,
        10, 15, 25, 8,  9,  18, 32, 16, 21, 30, 27, 19, 36, 6, 35, 3, 14, 24, 11, 38, 14, 6},
       277,
       921},
  };
  const std::string text = ShareGptFixture();
  const std::shared_ptr<const tokenizer::Tokenizer> tokenizer = TinyBpe();
  for (const auto& [seed, indices, first_prompt_len, first_output_len] : cases) {
    StatusOr<std::vector<BenchmarkPrompt>> prompts =
        ShareGptDataset(text, {.num_prompts = 45, .seed = seed, .tokenizer = tokenizer});
    ASSERT_TRUE(prompts.ok()) << prompts.status();
    EXPECT_EQ(FixtureIndices(text, *prompts), indices) << "seed " << seed;
    EXPECT_EQ(prompts->front().prompt_len, first_prompt_len) << "seed " << seed;
    EXPECT_EQ(prompts->front().output_len, first_output_len) << "seed " << seed;
    // Fewer prompts are the first of the same walk.
    prompts = ShareGptDataset(text, {.num_prompts = 10, .seed = seed, .tokenizer = tokenizer});
    ASSERT_TRUE(prompts.ok()) << prompts.status();
    EXPECT_EQ(FixtureIndices(text, *prompts),
              std::vector<size_t>(indices.begin(), indices.begin() + 10))
        << "seed " << seed;
  }
}

TEST(ShareGptDatasetTest, PicksSglangsPromptsWithSglangsRule) {
  // What SGLang 0.4.6's sample_sharegpt_requests takes from the fixture
  // after random.seed(seed), with the same tokenizer; from the repository
  // root (bench_serving.py loaded as a file: the package imports the server):
  //   $EC/bin/python -c "
  //   import json, random, importlib.util
  //   from transformers import PreTrainedTokenizerFast
  //   spec = importlib.util.spec_from_file_location('bench_serving',
  //       '$EC/lib/python3.11/site-packages/sglang/bench_serving.py')
  //   m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
  //   tok =
  //   PreTrainedTokenizerFast(tokenizer_file='tests/fixtures/tokenizers/tiny_bpe/tokenizer.json')
  //   path = 'tests/fixtures/sharegpt/sharegpt_small.json'
  //   index = {e['conversations'][0]['value']: i for i, e in enumerate(json.load(open(path)))}
  //   for seed in (0, 1, 7):
  //     random.seed(seed); s = m.sample_sharegpt_requests(path, 45, tok)
  //     print(seed, [index[p] for p, _, _ in s])"
  // SGLang keeps entries 41 (a prompt under 4 tokens) and 42 (over 1,024),
  // which vLLM's bounds reject, and stops at the 42 that pass.
  const std::vector<std::pair<uint64_t, std::vector<size_t>>> cases = {
      {0, {36, 11, 33, 0,  37, 20, 14, 7, 18, 21, 12, 6,  5,  1,  23, 15, 10, 39, 35, 28, 27,
           41, 17, 8,  34, 3,  42, 29, 9, 4,  38, 13, 22, 30, 19, 25, 31, 32, 16, 2,  26, 24}},
      {1, {33, 2,  11, 1,  39, 27, 5,  9,  17, 41, 25, 20, 38, 21, 34, 23, 10, 3,  18, 37, 42,
           14, 22, 29, 19, 32, 12, 26, 35, 0,  15, 6,  13, 24, 30, 28, 31, 7,  16, 4,  36, 8}},
      {7, {14, 5,  22, 42, 41, 16, 10, 15, 11, 35, 37, 24, 8,  0,  19, 36, 12, 21, 39, 33, 18,
           30, 27, 17, 26, 7,  29, 28, 31, 2,  1,  13, 32, 38, 23, 6,  34, 4,  3,  25, 9,  20}},
  };
  const std::string text = ShareGptFixture();
  const std::shared_ptr<const tokenizer::Tokenizer> tokenizer = TinyBpe();
  for (const auto& [seed, indices] : cases) {
    StatusOr<std::vector<BenchmarkPrompt>> prompts = ShareGptDataset(
        text,
        {.num_prompts = 45, .rule = ShareGptRule::kSglang, .seed = seed, .tokenizer = tokenizer});
    ASSERT_TRUE(prompts.ok()) << prompts.status();
    EXPECT_EQ(FixtureIndices(text, *prompts), indices) << "seed " << seed;
  }
}

TEST(ShareGptDatasetTest, EachRuleNamesItsBoundsWhenNothingPasses) {
  // One three-token prompt: under vLLM's 4, over SGLang's 2.
  const std::string text = R"([{"conversations":[{"value":"a b c"},{"value":"d e f g h"}]}])";
  EXPECT_THAT(ShareGptDataset(text, {.num_prompts = 2}).status().message(),
              HasSubstr("vLLM's filters"));
  StatusOr<std::vector<BenchmarkPrompt>> sglang =
      ShareGptDataset(text, {.num_prompts = 2, .rule = ShareGptRule::kSglang});
  ASSERT_TRUE(sglang.ok()) << sglang.status();
  EXPECT_EQ(sglang->size(), 1U);  // no oversampling
  EXPECT_THAT(ShareGptDataset(R"([{"conversations":[{"value":"a"},{"value":"b c"}]}])",
                              {.num_prompts = 2, .rule = ShareGptRule::kSglang})
                  .status()
                  .message(),
              HasSubstr("SGLang's filters"));
}

// The stand-in, counting the texts it is asked to count.
class CountingTokenizer final : public tokenizer::Tokenizer {
 public:
  std::vector<tokenizer::TokenId> Encode(std::string_view text) const override {
    return stand_in_->Encode(text);
  }
  int64_t CountTokens(std::string_view text) const override {
    ++texts_counted_;
    return stand_in_->CountTokens(text);
  }
  std::span<const tokenizer::TokenId> SequencePrefix() const override { return {}; }
  std::string Decode(std::span<const tokenizer::TokenId> ids) const override {
    return stand_in_->Decode(ids);
  }
  std::optional<tokenizer::TokenId> TokenIdOf(std::string_view content) const override {
    return stand_in_->TokenIdOf(content);
  }
  std::span<const tokenizer::WordPiece> WordPieces() const override {
    return stand_in_->WordPieces();
  }
  const std::string& Name() const override { return stand_in_->Name(); }
  int texts_counted() const { return texts_counted_; }

 private:
  std::shared_ptr<const tokenizer::Tokenizer> stand_in_ = tokenizer::StandInTokenizer::Shared();
  mutable int texts_counted_ = 0;
};

TEST(ShareGptDatasetTest, TokenizesOnlyTheConversationsItWalks) {
  const std::string text = ShareGptFixture();
  // With seed 0 the first three entries walked all pass: a prompt and a
  // completion counted for each, and nothing else.
  auto counting = std::make_shared<CountingTokenizer>();
  ASSERT_TRUE(ShareGptDataset(text, {.num_prompts = 3, .seed = 0, .tokenizer = counting}).ok());
  EXPECT_EQ(counting->texts_counted(), 6);
  // A fixed output length leaves the completions uncounted.
  counting = std::make_shared<CountingTokenizer>();
  ASSERT_TRUE(
      ShareGptDataset(text, {.num_prompts = 3, .output_len = 8, .seed = 0, .tokenizer = counting})
          .ok());
  EXPECT_EQ(counting->texts_counted(), 3);
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
              HasSubstr("no conversation passed vLLM's filters"));
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
