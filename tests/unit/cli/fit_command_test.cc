#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/tessera_cli.h"

namespace tessera::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct CommandResult {
  int exit_code = 0;
  std::string out;
  std::string err;
};

CommandResult Tessera(const std::vector<std::string>& args) {
  std::ostringstream out;
  std::ostringstream err;
  const int code = RunTesseraCli(args, out, err);
  return {code, out.str(), err.str()};
}

std::vector<std::string> SeedFit(const std::string& model) {
  return {"fit",     "--model",
          model,     "--dtype",
          "float16", "--max-model-len",
          "4096",    "--concurrency",
          "1",       "--gpu",
          "mi300x",  "--partition",
          "cpx",     "-o",
          "json"};
}

// The acceptance commands of the foundation issue.
TEST(FitCommandTest, Llama2_7bFits) {
  const CommandResult run = Tessera(SeedFit("llama-2-7b"));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json report = nlohmann::json::parse(run.out);
  EXPECT_EQ(report["kv_bytes_per_token"], 524288);
  EXPECT_EQ(report["fits"], true);
  EXPECT_EQ(report["partition_mode"], "cpx/nps4");
  EXPECT_EQ(report["min_tensor_parallel_size"], 1);
}

TEST(FitCommandTest, Llama2_13bDoesNotFit) {
  const CommandResult run = Tessera(SeedFit("llama-2-13b"));
  EXPECT_EQ(run.exit_code, 1);
  const nlohmann::json report = nlohmann::json::parse(run.out);
  EXPECT_EQ(report["kv_bytes_per_token"], 819200);
  EXPECT_EQ(report["fits"], false);
  EXPECT_EQ(report["min_tensor_parallel_size"], 2);
  EXPECT_THAT(report["reason"].get<std::string>(), HasSubstr("exceed"));
}

TEST(FitCommandTest, Llama31_8bUsesKeyValueHeads) {
  std::vector<std::string> args = SeedFit("llama-3.1-8b");
  args[4] = "bfloat16";
  const CommandResult run = Tessera(args);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.out)["kv_bytes_per_token"], 131072);
}

TEST(FitCommandTest, TableShowsEveryTensorParallelOption) {
  const CommandResult run =
      Tessera({"fit", "--model", "llama-3.1-70b", "--gpu", "mi300x", "--partition", "cpx",
               "--kv-cache-dtype", "fp8", "--max-model-len", "4096", "--concurrency", "64"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.out, HasSubstr("llama-3.1-70b: 70.55 B parameters"));
  EXPECT_THAT(run.out, HasSubstr("fp8_e4m3: 163,840 bytes/token"));
  EXPECT_THAT(run.out, HasSubstr("act. headroom"));
  EXPECT_THAT(run.out, HasSubstr("Smallest fit: TP 16 (16 partitions)"));
  EXPECT_EQ(run.err, "");
}

std::vector<std::string> SeedSpeculative() {
  return {"fit",
          "--model",
          "meta-llama/Llama-3.1-70B-Instruct",
          "--speculative-model",
          "meta-llama/Llama-3.1-8B-Instruct",
          "--num-speculative-tokens",
          "5",
          "--tp",
          "8",
          "--gpu",
          "mi300x"};
}

// Issue 21's acceptance: seed 001's 70B target with an 8B draft at TP 8 on
// MI300X, the draft's memory on lines and fields of its own.
TEST(FitCommandTest, SeedSpeculativeConfigurationShowsTheDraft) {
  std::vector<std::string> args = SeedSpeculative();
  args.insert(args.end(), {"-o", "json"});
  const CommandResult run = Tessera(args);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json report = nlohmann::json::parse(run.out);
  EXPECT_EQ(report["draft"]["model"], "llama-3.1-8b");
  EXPECT_EQ(report["draft"]["num_speculative_tokens"], 5);
  EXPECT_EQ(report["draft"]["dtype"], "bfloat16");
  EXPECT_EQ(report["draft"]["weights_bytes"], 16060522496);
  EXPECT_EQ(report["draft"]["kv_bytes_per_token"], 131072);
  EXPECT_EQ(report["tokens_per_sequence"], 131088);
  const nlohmann::json& tp8 = report["requested"];
  EXPECT_EQ(tp8["target_weights_bytes"], 17638426624);
  EXPECT_EQ(tp8["draft_weights_bytes"], 2007565312);
  EXPECT_EQ(tp8["weights_bytes"], 17638426624 + 2007565312);
  EXPECT_EQ(tp8["target_kv_bytes_per_token"], 40960);
  EXPECT_EQ(tp8["draft_kv_bytes_per_token"], 16384);
  EXPECT_EQ(tp8["draft_kv_bytes"], 131088 * int64_t{16384});
  EXPECT_EQ(tp8["free_bytes"], 156858068787);
  EXPECT_EQ(tp8["max_sequences"], 21);
  EXPECT_EQ(report["fits"], true);
  EXPECT_EQ(report["warnings"].size(), 0u);
}

TEST(FitCommandTest, SpeculativeTableHasDraftLinesAndColumns) {
  const CommandResult run = Tessera(SeedSpeculative());
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("Draft      llama-3.1-8b: 8.03 B parameters, bfloat16 weights "
                                 "14.96 GiB; 5 speculative tokens"));
  EXPECT_THAT(run.out, HasSubstr("327,680 bytes/token + draft 131,072"));
  EXPECT_THAT(run.out, HasSubstr("draft w./part"));
  EXPECT_THAT(run.out, HasSubstr("draft KV/part"));
  EXPECT_THAT(run.out, HasSubstr("Fits at TP 8 with 146.09 GiB to spare per partition; holds 21 "
                                 "full-length sequences."));
}

TEST(FitCommandTest, PipelineStagesAndFp8Weights) {
  const CommandResult run =
      Tessera({"fit", "--model", "llama-3.1-70b", "--tp", "2", "--pp", "4", "--dtype", "fp8",
               "--max-model-len", "8192", "--concurrency", "128", "-o", "json"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json report = nlohmann::json::parse(run.out);
  EXPECT_EQ(report["pipeline_parallel_size"], 4);
  EXPECT_EQ(report["partitions"], 8);
  EXPECT_EQ(report["dtype"], "fp8_e4m3");
  EXPECT_EQ(report["kv_cache_dtype"], "bfloat16");
  EXPECT_EQ(report["requested"]["layers"], 20);
  EXPECT_EQ(report["requested"]["pipeline_stage"], 3);
  // The last stage: 20 layers at one byte a parameter but their norms, the
  // output head and final norm at two, over 2 ranks.
  EXPECT_EQ(report["requested"]["weights_bytes"],
            (20 * (int64_t{855654400} + 16384) + 2 * (int64_t{128256} * 8192 + 8192)) / 2);
  EXPECT_EQ(report["requested"]["kv_bytes_per_token"], 40960);

  const CommandResult table =
      Tessera({"fit", "--model", "llama-3.1-70b", "--tp", "2", "--pp", "4"});
  EXPECT_THAT(table.out, HasSubstr("Pipeline   4 stages"));
  EXPECT_THAT(table.out, HasSubstr("Fits at TP 2 × PP 4 (8 partitions)"));
}

TEST(FitCommandTest, ModelDirectoryWorksLikeACatalogName) {
  const CommandResult run =
      Tessera({"fit", "--model", TESSERA_SOURCE_DIR "/tests/fixtures/models/llama-3.1-8b-instruct",
               "--max-model-len", "4096", "--partition", "cpx", "-o", "json"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json report = nlohmann::json::parse(run.out);
  EXPECT_EQ(report["weights_bytes"], 16060522496);
  EXPECT_EQ(report["kv_bytes_per_token"], 131072);
}

TEST(FitCommandTest, ImpossibleRequestSaysWhyInOneLine) {
  const CommandResult run =
      Tessera({"fit", "--model", "llama-3.1-405b", "--partition", "cpx", "--concurrency", "512"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("does not fit any tensor-parallel size on mi300x cpx/nps4"));
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1);
}

TEST(FitCommandTest, BadInputIsOneClearLineAndExitTwo) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"fit", "--model", "gpt-5"}, "--model: unknown model \"gpt-5\""},
      {{"fit", "--model", "llama-2-7b", "--dtype", "float12"}, "--dtype: unknown data type"},
      {{"fit", "--model", "llama-2-7b", "--kv-cache-dtype", "int4"}, "--kv-cache-dtype"},
      {{"fit", "--model", "llama-2-7b", "--gpu", "mi250"}, "unknown GPU \"mi250\""},
      {{"fit", "--model", "llama-2-7b", "--partition", "xpx"}, "unknown compute partition"},
      {{"fit", "--model", "llama-2-7b", "--runtime-reserve", "1 parsec"}, "--runtime-reserve"},
      {{"fit", "--model", "llama-2-7b", "--runtime-reserve", "-1GiB"}, "--runtime-reserve"},
      {{"fit", "--model", "llama-2-7b", "--max-model-len", "9000"},
       "--max-model-len: 9000 exceeds llama-2-7b's limit of 4096 tokens"},
      {{"fit", "--model", "llama-2-7b", "--tensor-parallel-size", "3"}, "not a power of two"},
      {{"fit", "--model", "llama-2-7b", "--concurrency", "-4"}, "--concurrency"},
      {{"fit", "--model", "llama-2-7b", "--concurrency", "many"}, "--concurrency"},
      {{"fit", "--model", "llama-2-7b", "-o", "xml"}, "--output"},
      {{"fit", "--model", TESSERA_SOURCE_DIR "/tests/fixtures/models/malformed-json"},
       "config.json"},
      {{"fit"}, "--model is required"},
      {{"fit", "--model", "llama-3.1-70b", "--pp", "81"},
       "--pipeline-parallel-size: 81 stages exceed llama-3.1-70b's 80 layers"},
      {{"fit", "--model", "llama-3.1-70b", "--pp", "0"}, "--pipeline-parallel-size"},
      {{"fit", "--model", "llama-3.1-70b", "--speculative-model", "gpt-5",
        "--num-speculative-tokens", "5"},
       "--speculative-model: unknown model \"gpt-5\""},
      {{"fit", "--model", "llama-3.1-70b", "--speculative-model", "llama-2-7b",
        "--num-speculative-tokens", "5"},
       "--speculative-model: llama-2-7b's vocabulary of 32000 tokens differs"},
      {{"fit", "--model", "llama-3.1-70b", "--speculative-model", "llama-3.2-1b"},
       "--num-speculative-tokens: is required with --speculative-model"},
      {{"fit", "--model", "llama-3.1-70b", "--num-speculative-tokens", "5"},
       "--num-speculative-tokens: needs --speculative-model"},
      {{"fit", "--model", "llama-3.1-70b", "--speculative-model", "llama-3.2-1b",
        "--num-speculative-tokens", "0"},
       "--num-speculative-tokens"},
      {{"fit", "--model", "llama-3.1-70b", "--speculative-model", "llama-3.2-1b",
        "--num-speculative-tokens", "5", "--speculative-dtype", "float12"},
       "--speculative-dtype: unknown data type"},
      {{"fit", "--model", "llama-3.1-70b", "--speculative-dtype", "fp8"},
       "--speculative-dtype: needs --speculative-model"},
      {{"fit", "--model", "llama-3.1-70b", "--tp", "8", "--speculative-model", "llama-3.2-1b",
        "--num-speculative-tokens", "5", "--speculative-draft-tensor-parallel-size", "2"},
       "--speculative-draft-tensor-parallel-size: 2 must be 1 or the target's 8"},
  };
  for (const Case& c : cases) {
    const CommandResult run = Tessera(c.args);
    EXPECT_EQ(run.exit_code, 2) << c.message << "\n" << run.err;
    EXPECT_THAT(run.err, HasSubstr(c.message));
    EXPECT_THAT(run.out, Not(HasSubstr("Fits")));
  }
}

TEST(TesseraCliTest, HelpListsSubcommands) {
  const CommandResult run = Tessera({"--help"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_THAT(run.out, HasSubstr("fit"));
}

TEST(TesseraCliTest, UnknownSubcommandFails) {
  const CommandResult run = Tessera({"frobnicate"});
  EXPECT_EQ(run.exit_code, 2);
}

}  // namespace
}  // namespace tessera::cli
