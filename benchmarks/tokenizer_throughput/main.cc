// How fast HuggingFaceTokenizer loads and encodes the real tokenizers `tessera
// bench --tokenizer` and the engine simulator use: load time, and encode
// throughput (MB/s, tokens/s) on English-like text and on a prompt built from
// the tokenizer's word pieces, as the bench builds prompts of a given length.
// The first pass over a text starts with an empty pre-token cache; the warm
// figure is the fastest of three passes after it.
//
//   build/bin/tokenizer-throughput "$(scripts/setup-tokenizers.sh)"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/text_table.h"
#include "benchmarks/harness/command_line.h"
#include "benchmarks/harness/figures.h"
#include "benchmarks/harness/host_machine.h"
#include "engine/tokenizer/hugging_face_tokenizer.h"

namespace tessera {
namespace {

using tokenizer::HuggingFaceTokenizer;
using tokenizer::TokenId;

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Prose-like text from a fixed word list: words, capitals, punctuation,
// numbers and paragraph breaks, seeded.
std::string EnglishLikeText(size_t bytes, uint32_t seed) {
  static const std::vector<std::string> kWords = {
      "the",       "of",      "and",       "to",         "in",      "is",     "was",    "that",
      "for",       "it",      "with",      "as",         "his",     "on",     "be",     "at",
      "by",        "had",     "are",       "but",        "from",    "or",     "have",   "an",
      "they",      "which",   "one",       "you",        "were",    "all",    "we",     "her",
      "she",       "there",   "would",     "their",      "will",    "when",   "who",    "him",
      "been",      "has",     "more",      "if",         "no",      "out",    "do",     "so",
      "can",       "what",    "up",        "said",       "about",   "other",  "into",   "than",
      "time",      "only",    "could",     "new",        "them",    "people", "engine", "request",
      "tokenizer", "latency", "through",   "throughput", "serving", "model",  "memory", "cluster",
      "schedule",  "decode",  "prefill",   "batch",      "don't",   "it's",   "we'll",  "benchmark",
      "GPU",       "kernel",  "attention", "weights"};
  std::mt19937 random(seed);
  std::uniform_int_distribution<size_t> word(0, kWords.size() - 1);
  std::uniform_int_distribution<int> roll(0, 99);
  std::string text;
  text.reserve(bytes + 64);
  bool capital = true;
  while (text.size() < bytes) {
    std::string next = kWords[word(random)];
    if (capital) next[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(next[0])));
    capital = false;
    const int dice = roll(random);
    if (dice < 3) next = std::to_string(random() % 100000);
    text += next;
    if (dice >= 90) {
      text += dice >= 98 ? ".\n\n" : (dice >= 94 ? ". " : ", ");
      capital = dice >= 94;
    } else {
      text += ' ';
    }
  }
  return text;
}

// A prompt of `tokens` word pieces, as `tessera bench --tokenizer` builds one.
std::string WordPiecePrompt(const HuggingFaceTokenizer& tokenizer, int64_t tokens, uint32_t seed) {
  const auto pieces = tokenizer.WordPieces();
  std::mt19937 random(seed);
  std::uniform_int_distribution<size_t> pick(0, pieces.size() - 1);
  std::string text;
  for (int64_t i = 0; i < tokens; ++i) text += pieces[pick(random)].text;
  return text;
}

struct Pass {
  double seconds = 0;
  size_t tokens = 0;
};

Pass Encode(const HuggingFaceTokenizer& tokenizer, const std::string& text) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<TokenId> ids = tokenizer.Encode(text);
  return Pass{.seconds = SecondsSince(start), .tokens = ids.size()};
}

std::string MegabytesPerSecond(size_t bytes, const Pass& pass) {
  return bench::Fixed(static_cast<double>(bytes) / 1e6 / pass.seconds, 1);
}

std::string TokensPerSecond(const Pass& pass) {
  return bench::Grouped(static_cast<double>(pass.tokens) / pass.seconds);
}

int Run(const std::filesystem::path& directory, size_t megabytes, int64_t prompt_tokens) {
  std::printf("CPU: %s\n", bench::CpuModel().c_str());
  std::printf("English-like text: %zu MB; word-piece prompt: %lld tokens\n\n", megabytes,
              static_cast<long long>(prompt_tokens));
  TextTable table({{"tokenizer"},
                   {"load ms", TextTable::Align::kRight},
                   {"text", TextTable::Align::kLeft},
                   {"tokens", TextTable::Align::kRight},
                   {"cold MB/s", TextTable::Align::kRight},
                   {"cold tokens/s", TextTable::Align::kRight},
                   {"warm MB/s", TextTable::Align::kRight},
                   {"warm tokens/s", TextTable::Align::kRight}});
  const std::string english = EnglishLikeText(megabytes << 20u, 1);
  for (const char* family : {"llama3", "qwen2_5", "deepseek_v3"}) {
    const std::filesystem::path family_directory = directory / family;
    double load_seconds = 1e9;
    std::unique_ptr<HuggingFaceTokenizer> loaded;
    // The fastest of three loads: the first also pays for reading the file
    // from disk.
    for (int attempt = 0; attempt < 3; ++attempt) {
      const auto start = std::chrono::steady_clock::now();
      auto tokenizer = HuggingFaceTokenizer::Load(family_directory / "tokenizer.json",
                                                  family_directory / "tokenizer_config.json");
      load_seconds = std::min(load_seconds, SecondsSince(start));
      if (!tokenizer.ok()) {
        std::fprintf(stderr, "%s\n", tokenizer.status().ToString().c_str());
        return 1;
      }
      loaded = std::move(tokenizer).value();
    }
    const std::string prompt = WordPiecePrompt(*loaded, prompt_tokens, 2);
    for (const auto& [name, text] :
         {std::pair<std::string, const std::string*>{"English-like", &english},
          {"word-piece prompt", &prompt}}) {
      const Pass cold = Encode(*loaded, *text);
      // The fastest of three, as the machine may be shared.
      Pass warm = Encode(*loaded, *text);
      for (int attempt = 1; attempt < 3; ++attempt) {
        const Pass again = Encode(*loaded, *text);
        if (again.seconds < warm.seconds) warm = again;
      }
      table.AddRow({family, bench::Fixed(load_seconds * 1e3, 0), name,
                    bench::Grouped(static_cast<double>(cold.tokens)),
                    MegabytesPerSecond(text->size(), cold), TokensPerSecond(cold),
                    MegabytesPerSecond(text->size(), warm), TokensPerSecond(warm)});
    }
    if (static_cast<int64_t>(loaded->Encode(prompt).size()) != prompt_tokens) {
      std::fprintf(stderr, "%s: the word-piece prompt did not encode to %lld tokens\n", family,
                   static_cast<long long>(prompt_tokens));
      return 1;
    }
  }
  std::printf("%s", table.Render().c_str());
  return 0;
}

}  // namespace
}  // namespace tessera

int main(int argc, char** argv) {
  CLI::App app("Load time and encode throughput of the real Hugging Face tokenizers");
  std::string directory;
  size_t megabytes = 8;
  int64_t prompt_tokens = 32768;
  app.add_option("tokenizers", directory,
                 "the directory scripts/setup-tokenizers.sh prints (llama3/, qwen2_5/, "
                 "deepseek_v3/)")
      ->required();
  app.add_option("--megabytes", megabytes, "size of the English-like text")
      ->check(CLI::Range(1, 1024));
  app.add_option("--prompt-tokens", prompt_tokens, "length of the word-piece prompt")
      ->check(CLI::Range(1, 10000000));
  if (auto exit_status = tessera::bench::ParseCommandLine(app, argc, argv)) return *exit_status;
  return tessera::Run(directory, megabytes, prompt_tokens);
}
