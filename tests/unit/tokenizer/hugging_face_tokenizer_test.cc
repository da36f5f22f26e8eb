#include "engine/tokenizer/hugging_face_tokenizer.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
namespace tessera::tokenizer {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// tests/fixtures/tokenizers/make_tiny_bpe.py wrote both files with Hugging
// Face `tokenizers`.
const std::filesystem::path kFixture =  // NOLINT(cert-err58-cpp): a test's fixture path
    TESSERA_SOURCE_DIR "/tests/fixtures/tokenizers/tiny_bpe";

constexpr TokenId kBeginOfText = 0;
constexpr TokenId kEotId = 2;

class TemporaryDirectory {
 public:
  TemporaryDirectory() {
    std::string pattern = "/tmp/tessera-tokenizer-test-XXXXXX";
    path_ = mkdtemp(pattern.data());
  }
  ~TemporaryDirectory() { std::filesystem::remove_all(path_); }
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

nlohmann::json FixtureJson() {
  return nlohmann::json::parse(ReadText(kFixture / "tokenizer.json"));
}

std::filesystem::path WriteText(const TemporaryDirectory& directory, const std::string& name,
                                const std::string& text) {
  const std::filesystem::path path = directory.path() / name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::unique_ptr<HuggingFaceTokenizer> LoadFixture() {
  auto tokenizer = HuggingFaceTokenizer::Load(kFixture / "tokenizer.json", std::nullopt);
  EXPECT_TRUE(tokenizer.ok()) << tokenizer.status();
  return tokenizer.ok() ? std::move(tokenizer).value() : nullptr;
}

// Loads `json` written to a temporary tokenizer.json, with `config` as the
// tokenizer_config.json when given.
StatusOr<std::unique_ptr<HuggingFaceTokenizer>> LoadJson(
    const nlohmann::json& json, const std::optional<nlohmann::json>& config = std::nullopt) {
  const TemporaryDirectory directory;
  const std::filesystem::path path = WriteText(directory, "tokenizer.json", json.dump());
  std::optional<std::filesystem::path> config_path;
  if (config) config_path = WriteText(directory, "tokenizer_config.json", config->dump());
  return HuggingFaceTokenizer::Load(path, config_path);
}

struct Golden {
  std::string text;
  std::vector<TokenId> ids;
  std::vector<TokenId> with_special;
  std::string decoded;
};

std::vector<Golden> Goldens(const std::string& file = "goldens.jsonl") {
  std::vector<Golden> goldens;
  std::ifstream in(kFixture / file);
  std::string line;
  while (std::getline(in, line)) {
    const nlohmann::json entry = nlohmann::json::parse(line);
    goldens.push_back(Golden{.text = entry["text"],
                             .ids = entry["ids"],
                             .with_special = entry["with_special"],
                             .decoded = entry["decoded"]});
  }
  return goldens;
}

void ExpectGoldens(const Tokenizer& tokenizer, const std::string& file = "goldens.jsonl") {
  const std::vector<Golden> goldens = Goldens(file);
  ASSERT_GE(goldens.size(), 15u);
  for (const Golden& golden : goldens) {
    EXPECT_EQ(tokenizer.Encode(golden.text), golden.ids) << golden.text;
    EXPECT_EQ(tokenizer.CountTokens(golden.text), static_cast<int64_t>(golden.ids.size()));
    EXPECT_EQ(EncodePrompt(tokenizer, golden.text), golden.with_special) << golden.text;
    EXPECT_EQ(tokenizer.Decode(golden.ids), golden.decoded) << golden.text;
  }
}

TEST(HuggingFaceTokenizerTest, EncodesAndDecodesAsHuggingFaceTokenizersDoes) {
  auto tokenizer = LoadFixture();
  ASSERT_NE(tokenizer, nullptr);
  ExpectGoldens(*tokenizer);
}

TEST(HuggingFaceTokenizerTest, StripsAndMatchesWholeWordsAsHuggingFaceTokenizersDoes) {
  // <mask> lstrip, <sep> rstrip, <both> both, qzx single_word.
  auto tokenizer =
      HuggingFaceTokenizer::Load(kFixture / "added_tokens_tokenizer.json", std::nullopt);
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
  ExpectGoldens(**tokenizer, "added_tokens_goldens.jsonl");
}

TEST(HuggingFaceTokenizerTest, PreTokenizesAsGpt2WithByteLevelAlone) {
  // GPT-2's pattern and a prefix space on every stretch between added tokens.
  auto tokenizer = HuggingFaceTokenizer::Load(kFixture / "gpt2_style_tokenizer.json", std::nullopt);
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
  ExpectGoldens(**tokenizer, "gpt2_style_goldens.jsonl");
  EXPECT_THAT((*tokenizer)->SequencePrefix(), IsEmpty());
}

TEST(HuggingFaceTokenizerTest, ReadsMergesWrittenAsStrings) {
  nlohmann::json json = FixtureJson();
  for (auto& merge : json["model"]["merges"]) {
    merge = merge[0].get<std::string>() + " " + merge[1].get<std::string>();
  }
  auto tokenizer = LoadJson(json);
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
  ExpectGoldens(**tokenizer);
}

TEST(HuggingFaceTokenizerTest, MergesInRankOrderWithoutIgnoreMerges) {
  nlohmann::json json = FixtureJson();
  json["model"]["ignore_merges"] = false;
  auto tokenizer = LoadJson(json);
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
  // The trained vocabulary is closed under its merges, so both ways agree.
  ExpectGoldens(**tokenizer);
}

TEST(HuggingFaceTokenizerTest, RoundTripsText) {
  auto tokenizer = LoadFixture();
  ASSERT_NE(tokenizer, nullptr);
  for (const std::string text :
       {"The quick brown fox", "  two  spaces\n\nand lines\r\n", "中文 日本語 😀",
        "x<|eot_id|>y<|begin_of_text|>", "1234567 3.14", "\t\t", "z"}) {
    EXPECT_EQ(tokenizer->Decode(tokenizer->Encode(text)), text);
  }
}

TEST(HuggingFaceTokenizerTest, EmptyTextHasNoTokens) {
  auto tokenizer = LoadFixture();
  ASSERT_NE(tokenizer, nullptr);
  EXPECT_THAT(tokenizer->Encode(""), IsEmpty());
  EXPECT_EQ(tokenizer->CountTokens(""), 0);
  EXPECT_EQ(tokenizer->Decode({}), "");
  EXPECT_THAT(EncodePrompt(*tokenizer, ""), ElementsAre(kBeginOfText));
}

TEST(HuggingFaceTokenizerTest, MatchesAddedTokensInText) {
  auto tokenizer = LoadFixture();
  ASSERT_NE(tokenizer, nullptr);
  const std::vector<TokenId> x = tokenizer->Encode("x");
  const std::vector<TokenId> y = tokenizer->Encode("y");
  std::vector<TokenId> expected = x;
  expected.push_back(kEotId);
  expected.insert(expected.end(), y.begin(), y.end());
  EXPECT_EQ(tokenizer->Encode("x<|eot_id|>y"), expected);
  EXPECT_THAT(tokenizer->Encode("<|eot_id|><|begin_of_text|>"), ElementsAre(kEotId, kBeginOfText));
  // A cut-short token is text.
  const std::vector<TokenId> cut_short = tokenizer->Encode("<|eot_id");
  EXPECT_EQ(std::count(cut_short.begin(), cut_short.end(), kEotId), 0);
  EXPECT_EQ(tokenizer->Decode(cut_short), "<|eot_id");
  EXPECT_EQ(tokenizer->TokenIdOf("<|eot_id|>"), kEotId);
  EXPECT_EQ(tokenizer->TokenIdOf("<|begin_of_text|>"), kBeginOfText);
  EXPECT_EQ(tokenizer->TokenIdOf(" the"), tokenizer->Encode(" the").front());
  EXPECT_EQ(tokenizer->TokenIdOf("Ġthe"), std::nullopt);  // tokenizer.json's spelling, not text
  EXPECT_EQ(tokenizer->TokenIdOf("<|no_such_token|>"), std::nullopt);
  EXPECT_EQ(tokenizer->Decode(std::vector<TokenId>{kEotId, 999999}), "<|eot_id|>");
}

TEST(HuggingFaceTokenizerTest, LongestAddedTokenWins) {
  nlohmann::json json = FixtureJson();
  json["added_tokens"].push_back(
      {{"id", 700}, {"content", "<|eot_id|>!"}, {"special", true}, {"normalized", false}});
  auto tokenizer = LoadJson(json);
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
  EXPECT_THAT((*tokenizer)->Encode("<|eot_id|>!"), ElementsAre(700));
  EXPECT_THAT((*tokenizer)->Encode("<|eot_id|>"), ElementsAre(kEotId));
  EXPECT_EQ((*tokenizer)->Decode(std::vector<TokenId>{700}), "<|eot_id|>!");
}

TEST(HuggingFaceTokenizerTest, NormalizesToNfcBeforeEncoding) {
  auto tokenizer = LoadFixture();
  ASSERT_NE(tokenizer, nullptr);
  EXPECT_EQ(tokenizer->Encode("Cafe\u0301 re\u0301sume\u0301"), tokenizer->Encode("Café résumé"));
  // A normalized added token matches its decomposed spelling too.
  const std::optional<TokenId> naive = tokenizer->TokenIdOf("naïve");
  ASSERT_TRUE(naive.has_value());
  EXPECT_THAT(tokenizer->Encode("nai\u0308ve"), ElementsAre(*naive));

  nlohmann::json json = FixtureJson();
  json["normalizer"] = nullptr;
  auto unnormalized = LoadJson(json);
  ASSERT_TRUE(unnormalized.ok()) << unnormalized.status();
  EXPECT_NE((*unnormalized)->Encode("Cafe\u0301"), (*unnormalized)->Encode("Café"));
}

TEST(HuggingFaceTokenizerTest, ReadsInvalidUtf8AsReplacementCharacters) {
  auto tokenizer = LoadFixture();
  ASSERT_NE(tokenizer, nullptr);
  EXPECT_EQ(tokenizer->Encode("a\xff"
                              "b\xe4\xb8"),
            tokenizer->Encode("a\uFFFDb\uFFFD"));
  // A character cut short decodes as U+FFFD, as String::from_utf8_lossy has it.
  const std::vector<TokenId> emoji = tokenizer->Encode("😀");
  ASSERT_GE(emoji.size(), 2u);
  EXPECT_EQ(tokenizer->Decode(std::span<const TokenId>(emoji).first(1)), "\uFFFD");
}

TEST(HuggingFaceTokenizerTest, SequencePrefixFollowsTheTemplate) {
  auto tokenizer = LoadFixture();
  ASSERT_NE(tokenizer, nullptr);
  EXPECT_THAT(tokenizer->SequencePrefix(), ElementsAre(kBeginOfText));

  nlohmann::json json = FixtureJson();
  json["post_processor"] = nullptr;
  auto none = LoadJson(json);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_THAT((*none)->SequencePrefix(), IsEmpty());

  json["post_processor"] = {{"type", "ByteLevel"},
                            {"add_prefix_space", true},
                            {"trim_offsets", false},
                            {"use_regex", true}};
  auto byte_level = LoadJson(json);
  ASSERT_TRUE(byte_level.ok()) << byte_level.status();
  EXPECT_THAT((*byte_level)->SequencePrefix(), IsEmpty());

  json["post_processor"] = {
      {"type", "Sequence"},
      {"processors",
       {{{"type", "ByteLevel"}, {"trim_offsets", false}}, FixtureJson()["post_processor"]}}};
  auto sequence = LoadJson(json);
  ASSERT_TRUE(sequence.ok()) << sequence.status();
  EXPECT_THAT((*sequence)->SequencePrefix(), ElementsAre(kBeginOfText));
}

TEST(HuggingFaceTokenizerTest, LlamaTokenizerFastAddsBosAsTransformersDoes) {
  nlohmann::json json = FixtureJson();
  json["post_processor"] = nullptr;
  const nlohmann::json llama = {
      {"tokenizer_class", "LlamaTokenizerFast"},
      {"add_bos_token", true},
      {"bos_token", {{"__type", "AddedToken"}, {"content", "<|eot_id|>"}}},
      {"model_max_length", 1e30}};
  auto with_bos = LoadJson(json, llama);
  ASSERT_TRUE(with_bos.ok()) << with_bos.status();
  EXPECT_THAT((*with_bos)->SequencePrefix(), ElementsAre(kEotId));

  nlohmann::json absent = llama;
  absent.erase("add_bos_token");  // Defaults to true in LlamaTokenizerFast.
  absent["bos_token"] = "<|begin_of_text|>";
  auto by_default = LoadJson(json, absent);
  ASSERT_TRUE(by_default.ok()) << by_default.status();
  EXPECT_THAT((*by_default)->SequencePrefix(), ElementsAre(kBeginOfText));

  nlohmann::json off = llama;
  off["add_bos_token"] = false;
  auto without = LoadJson(FixtureJson(), off);
  ASSERT_TRUE(without.ok()) << without.status();
  EXPECT_THAT((*without)->SequencePrefix(), IsEmpty());

  // Other classes keep tokenizer.json's post-processor.
  auto other = LoadJson(
      FixtureJson(), {{{"tokenizer_class", "PreTrainedTokenizerFast"}, {"add_bos_token", false}}});
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_THAT((*other)->SequencePrefix(), ElementsAre(kBeginOfText));
}

bool IsLetters(const std::string& text) {
  // The fixture's vocabulary is Latin and a few scripts; a letter here is
  // anything not ASCII punctuation, digit or space.
  return std::all_of(text.begin() + 1, text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte >= 0x80u || std::isalpha(byte) != 0;
  });
}

TEST(HuggingFaceTokenizerTest, WordPiecesEncodeOneTokenEachInAnyConcatenation) {
  auto tokenizer = LoadFixture();
  ASSERT_NE(tokenizer, nullptr);
  const std::span<const WordPiece> pieces = tokenizer->WordPieces();
  ASSERT_GE(pieces.size(), 20u);
  for (size_t i = 0; i < pieces.size(); ++i) {
    EXPECT_EQ(pieces[i].text[0], ' ');
    EXPECT_TRUE(IsLetters(pieces[i].text)) << pieces[i].text;
    EXPECT_THAT(tokenizer->Encode(pieces[i].text), ElementsAre(pieces[i].id));
    if (i > 0) {
      EXPECT_LT(pieces[i - 1].id, pieces[i].id);
    }
  }
  std::mt19937 random(42);
  std::uniform_int_distribution<size_t> pick(0, pieces.size() - 1);
  std::uniform_int_distribution<int> length(1, 50);
  for (int trial = 0; trial < 500; ++trial) {
    std::string text;
    std::vector<TokenId> expected;
    for (int n = length(random); n > 0; --n) {
      const WordPiece& piece = pieces[pick(random)];
      text += piece.text;
      expected.push_back(piece.id);
    }
    ASSERT_EQ(tokenizer->Encode(text), expected) << text;
  }
}

TEST(HuggingFaceTokenizerTest, NameIsTheTokenizerJsonPath) {
  auto tokenizer = LoadFixture();
  ASSERT_NE(tokenizer, nullptr);
  EXPECT_EQ(tokenizer->Name(), (kFixture / "tokenizer.json").string());
}

TEST(HuggingFaceTokenizerTest, IsSafeToShareBetweenThreads) {
  auto tokenizer = LoadFixture();
  ASSERT_NE(tokenizer, nullptr);
  const std::vector<Golden> goldens = Goldens();
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  threads.reserve(mismatches.size());
  for (int& thread_mismatches : mismatches) {
    threads.emplace_back([&] {
      for (int round = 0; round < 50; ++round) {
        for (const Golden& golden : goldens) {
          if (tokenizer->Encode(golden.text) != golden.ids) ++thread_mismatches;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(mismatches, ElementsAre(0, 0, 0, 0));
}

// A change to the fixture: the JSON pointer, the value (as JSON text) put
// there, and what the error must say.
struct Change {
  std::string name;
  std::string pointer;
  std::string value;
  std::string message;
};

nlohmann::json Changed(const Change& change) {
  nlohmann::json json = FixtureJson();
  json[nlohmann::json::json_pointer(change.pointer)] = nlohmann::json::parse(change.value);
  return json;
}

std::string ChangeName(const ::testing::TestParamInfo<Change>& info) { return info.param.name; }

class UnsupportedConfigurationTest : public ::testing::TestWithParam<Change> {};

TEST_P(UnsupportedConfigurationTest, IsRefusedNamingFilePathAndValue) {
  auto tokenizer = LoadJson(Changed(GetParam()));
  ASSERT_FALSE(tokenizer.ok());
  EXPECT_EQ(tokenizer.status().code(), StatusCode::kUnimplemented) << tokenizer.status();
  EXPECT_THAT(tokenizer.status().message(), HasSubstr("tokenizer.json: "));
  EXPECT_THAT(tokenizer.status().message(), HasSubstr(GetParam().message));
}

std::vector<Change> UnsupportedChanges() {
  const std::string split = FixtureJson()["pre_tokenizer"]["pretokenizers"][0].dump();
  const std::string byte_level = FixtureJson()["pre_tokenizer"]["pretokenizers"][1].dump();
  return {
      {"WordPieceModel", "/model/type", R"("WordPiece")",
       "model.type: \"WordPiece\" is not supported; Tessera reads byte-level BPE tokenizers "
       "(Llama 3, Qwen, DeepSeek, GPT-2)"},
      {"ByteFallback", "/model/byte_fallback", "true",
       "model.byte_fallback: true is not supported"},
      {"Dropout", "/model/dropout", "0.1", "model.dropout: 0.1 is not supported"},
      {"SubwordPrefix", "/model/continuing_subword_prefix", R"("##")",
       "model.continuing_subword_prefix: \"##\" is not supported"},
      {"WordSuffix", "/model/end_of_word_suffix", R"("</w>")",
       "model.end_of_word_suffix: \"</w>\" is not supported"},
      {"Lowercase", "/normalizer", R"({"type": "Lowercase"})",
       "normalizer.type: \"Lowercase\" is not supported; Tessera reads normalizers null, NFC, "
       "NFD, NFKC, NFKD"},
      {"NormalizerInSequence", "/normalizer",
       R"({"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "Strip"}]})",
       "normalizer.normalizers[1].type: \"Strip\" is not supported"},
      {"WhitespacePreTokenizer", "/pre_tokenizer", R"({"type": "Whitespace"})",
       "pre_tokenizer.type: \"Whitespace\" is not supported; Tessera reads pre-tokenizers Split "
       "and ByteLevel"},
      {"SplitRemoved", "/pre_tokenizer/pretokenizers/0/behavior", R"("Removed")",
       "pre_tokenizer.pretokenizers[0].behavior: \"Removed\" is not supported; Tessera reads "
       "Split pre-tokenizers with behavior \"Isolated\""},
      {"SplitInverted", "/pre_tokenizer/pretokenizers/0/invert", "true",
       "pre_tokenizer.pretokenizers[0].invert: true is not supported"},
      {"SplitAfterByteLevel", "/pre_tokenizer/pretokenizers", "[" + byte_level + "," + split + "]",
       R"(pre_tokenizer.pretokenizers[1]: {"behavior":"Isolated")"},
      {"NoByteLevel", "/pre_tokenizer", split, "pre_tokenizer: has no ByteLevel step"},
      {"NoPreTokenizer", "/pre_tokenizer", "null", "pre_tokenizer: has no ByteLevel step"},
      {"BertProcessing", "/post_processor", R"({"type": "BertProcessing"})",
       "post_processor.type: \"BertProcessing\" is not supported"},
      {"TokenAfterSequence", "/post_processor/single",
       R"([{"Sequence": {"id": "A", "type_id": 0}},
           {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}])",
       "post_processor.single[1]: {\"SpecialToken\":{\"id\":\"<|begin_of_text|>\",\"type_id\":0}} "
       "is not supported; Tessera reads templates with special tokens before $A only"},
      {"WordPieceDecoder", "/decoder", R"({"type": "WordPiece"})",
       "decoder.type: \"WordPiece\" is not supported; Tessera reads the ByteLevel decoder"},
      {"NoDecoder", "/decoder", "null", "decoder: null is not supported"},
  };
}

INSTANTIATE_TEST_SUITE_P(EveryUnsupportedSetting, UnsupportedConfigurationTest,
                         ::testing::ValuesIn(UnsupportedChanges()), ChangeName);

TEST(HuggingFaceTokenizerTest, RefusesAnEndOfSequenceTokenFromTheConfig) {
  auto tokenizer = LoadJson(FixtureJson(), {{{"tokenizer_class", "LlamaTokenizerFast"},
                                             {"add_eos_token", true},
                                             {"bos_token", "<|begin_of_text|>"}}});
  ASSERT_FALSE(tokenizer.ok());
  EXPECT_EQ(tokenizer.status().code(), StatusCode::kUnimplemented);
  EXPECT_THAT(tokenizer.status().message(),
              HasSubstr("tokenizer_config.json: add_eos_token: true is not supported"));
}

// Qwen 2.5's template, cut to its default system turn and the turn built
// from a system message.
constexpr std::string_view kChatMlTemplate =
    "{%- if messages[0]['role'] == 'system' %}"
    "{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}"
    "{%- else %}"
    "{{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
    "assistant.<|im_end|>\\n' }}"
    "{%- endif %}";

TEST(HuggingFaceTokenizerTest, ReadsTheChatTemplatesDefaultSystemTurn) {
  const std::string qwen = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";
  auto tokenizer = LoadJson(FixtureJson(), {{{"chat_template", kChatMlTemplate}}});
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
  EXPECT_EQ((*tokenizer)->DefaultSystemPrompt(), qwen);

  // A list of named templates: the "default" one.
  tokenizer = LoadJson(FixtureJson(), {{{"chat_template",
                                         {{{"name", "tool_use"}, {"template", "{{ x }}"}},
                                          {{"name", "default"}, {"template", kChatMlTemplate}}}}}});
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
  EXPECT_EQ((*tokenizer)->DefaultSystemPrompt(), qwen);

  // Escapes inside the literal are read; a double-quoted literal too.
  tokenizer =
      LoadJson(FixtureJson(),
               {{{"chat_template",
                  R"({{- "<|im_start|>system\nYou're \"helpful\".\tBe brief.<|im_end|>\n" }})"}}});
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
  EXPECT_EQ((*tokenizer)->DefaultSystemPrompt(), "You're \"helpful\".\tBe brief.");

  // No default turn: Llama 3's template, a ChatML one that writes only the
  // system message, no template at all.
  for (const nlohmann::json& config :
       {nlohmann::json{{"chat_template", "{{ bos_token + message['content'] | trim }}"}},
        nlohmann::json{{"chat_template",
                        "{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>' }}"}},
        nlohmann::json::object()}) {
    tokenizer = LoadJson(FixtureJson(), config);
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
    EXPECT_EQ((*tokenizer)->DefaultSystemPrompt(), "") << config.dump();
  }
}

TEST(HuggingFaceTokenizerTest, AMalformedChatTemplateIsAnErrorNamingIt) {
  for (const nlohmann::json& chat_template :
       {nlohmann::json(7), nlohmann::json::array({"just a string"})}) {
    auto tokenizer = LoadJson(FixtureJson(), {{{"chat_template", chat_template}}});
    ASSERT_FALSE(tokenizer.ok()) << chat_template.dump();
    EXPECT_THAT(tokenizer.status().message(), HasSubstr("tokenizer_config.json: chat_template"));
  }
}

class MalformedTokenizerTest : public ::testing::TestWithParam<Change> {};

TEST_P(MalformedTokenizerTest, IsAnErrorNamingThePath) {
  auto tokenizer = LoadJson(Changed(GetParam()));
  ASSERT_FALSE(tokenizer.ok());
  EXPECT_EQ(tokenizer.status().code(), StatusCode::kInvalidArgument) << tokenizer.status();
  EXPECT_THAT(tokenizer.status().message(), HasSubstr("tokenizer.json: "));
  EXPECT_THAT(tokenizer.status().message(), HasSubstr(GetParam().message));
}

std::vector<Change> MalformedChanges() {
  return {
      {"NoModel", "/model", "null", "model: must be an object, got null"},
      {"VocabArray", "/model/vocab", "[]", "model.vocab: must be an object, got []"},
      {"NegativeId", "/model/vocab/a", "-1",
       "model.vocab[\"a\"]: must be a token id from 0 to 16777215, got -1"},
      {"HugeId", "/model/vocab/a", "4294967296", "model.vocab[\"a\"]: must be a token id"},
      {"MergeOneToken", "/model/merges/0", R"("in")",
       "model.merges[0]: must be two tokens separated by one space, got \"in\""},
      {"MergeThreeTokens", "/model/merges/1", R"(["t", "h", "e"])",
       R"(model.merges[1]: must be "left right" or ["left", "right"])"},
      {"MergeUnknownToken", "/model/merges/2", R"(["Ġ", "☃"])",
       "model.merges[2]: [\"Ġ\",\"☃\"] names a token not in model.vocab"},
      {"MergesMissing", "/model/merges", "null", "model.merges: must be an array, got null"},
      {"BadRegex", "/pre_tokenizer/pretokenizers/0/pattern/Regex", R"("(unclosed")",
       "pre_tokenizer.pretokenizers[0].pattern.Regex: \"(unclosed\" does not compile as a PCRE2 "
       "pattern"},
      {"PatternNeither", "/pre_tokenizer/pretokenizers/0/pattern", R"({"Glob": "*"})",
       "pre_tokenizer.pretokenizers[0].pattern: must hold \"Regex\""},
      {"AddedTokenNoContent", "/added_tokens/0/content", "null",
       "added_tokens[0].content: must be a string, got null"},
      {"AddedTokenEmpty", "/added_tokens/1/content", R"("")",
       "added_tokens[1].content: must not be empty"},
      {"AddedTokensObject", "/added_tokens", "{}", "added_tokens: must be an array, got {}"},
      {"TemplateUnknownToken", "/post_processor/special_tokens/<|begin_of_text|>", "null",
       "post_processor.special_tokens[\"<|begin_of_text|>\"].ids: must be an object"},
      {"TemplateIdNotAToken", "/post_processor/special_tokens/<|begin_of_text|>/ids/0", "99999",
       "post_processor: puts id 99999 before a sequence, which is no token"},
      {"NormalizerNumber", "/normalizer", "3", "normalizer: must be an object, got 3"},
      {"LstripString", "/added_tokens/2/lstrip", R"("yes")",
       "added_tokens[2].lstrip: must be true or false, got \"yes\""},
      {"IgnoreMergesString", "/model/ignore_merges", R"("yes")",
       "model.ignore_merges: must be true or false, got \"yes\""},
  };
}

INSTANTIATE_TEST_SUITE_P(EveryMalformedField, MalformedTokenizerTest,
                         ::testing::ValuesIn(MalformedChanges()), ChangeName);

TEST(HuggingFaceTokenizerTest, ReadsSparseIds) {
  nlohmann::json json = FixtureJson();
  json["model"]["vocab"]["a"] = 16000000;
  auto tokenizer = LoadJson(json);
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
  EXPECT_THAT((*tokenizer)->Encode("a"), ElementsAre(16000000));
  EXPECT_EQ((*tokenizer)->Decode(std::vector<TokenId>{16000000, 15999999}), "a");
}

TEST(HuggingFaceTokenizerTest, MissingFilesAreNotFound) {
  auto tokenizer = HuggingFaceTokenizer::Load("/nonexistent/tokenizer.json", std::nullopt);
  ASSERT_FALSE(tokenizer.ok());
  EXPECT_EQ(tokenizer.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(tokenizer.status().message(), HasSubstr("/nonexistent/tokenizer.json"));

  auto config = HuggingFaceTokenizer::Load(kFixture / "tokenizer.json",
                                           std::filesystem::path("/nonexistent/config.json"));
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(config.status().message(), HasSubstr("/nonexistent/config.json"));
}

TEST(HuggingFaceTokenizerTest, MalformedJsonIsAnErrorNamingTheFile) {
  const TemporaryDirectory directory;
  for (const std::string text :
       {"", "{", "not json", "[1, 2]", R"({"model": {"vocab": {}})", "null", R"("tokenizer")"}) {
    const std::filesystem::path path = WriteText(directory, "tokenizer.json", text);
    auto tokenizer = HuggingFaceTokenizer::Load(path, std::nullopt);
    ASSERT_FALSE(tokenizer.ok()) << text;
    EXPECT_EQ(tokenizer.status().code(), StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(tokenizer.status().message(), HasSubstr(path.string())) << text;
  }
  const std::filesystem::path config = WriteText(directory, "tokenizer_config.json", "{oops");
  auto with_config = HuggingFaceTokenizer::Load(kFixture / "tokenizer.json", config);
  ASSERT_FALSE(with_config.ok());
  EXPECT_THAT(with_config.status().message(), HasSubstr(config.string() + ": not valid JSON"));

  const std::filesystem::path unknown_bos =
      WriteText(directory, "tokenizer_config.json",
                R"({"tokenizer_class": "LlamaTokenizerFast", "bos_token": "<s>"})");
  auto with_unknown_bos = HuggingFaceTokenizer::Load(kFixture / "tokenizer.json", unknown_bos);
  ASSERT_FALSE(with_unknown_bos.ok());
  EXPECT_THAT(with_unknown_bos.status().message(),
              HasSubstr("bos_token: \"<s>\" is not a token of the tokenizer.json"));
}

TEST(HuggingFaceTokenizerTest, TruncatedFilesNeverCrash) {
  const std::string text = ReadText(kFixture / "tokenizer.json");
  const TemporaryDirectory directory;
  for (size_t cut = 0; cut < text.size(); cut += text.size() / 97 + 1) {
    const std::filesystem::path path = WriteText(directory, "tokenizer.json", text.substr(0, cut));
    EXPECT_FALSE(HuggingFaceTokenizer::Load(path, std::nullopt).ok()) << cut;
  }
}

}  // namespace
}  // namespace tessera::tokenizer
