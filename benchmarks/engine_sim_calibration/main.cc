// Calibration of the engine simulator's performance model against a published
// vLLM run on MI300X (seed document 001, the tp8 row): the engine command line
// the run used, parsed as tessera-engine-sim parses it, and benchmark_serving's
// load (1,024 ShareGPT conversations, at most 128 in flight, the openai-chat
// backend) replayed in virtual time, printed side by side with the published
// figures.
//
//   build/bin/engine-sim-calibration [--max-concurrency N] [engine flags replacing the seed's]
//
// With other engine flags or concurrency the published column is still the
// tp8 row's, for reference.
//
// The ShareGPT stand-in. ShareGPT's text is not in the repository, only its
// published totals (220,902 prompt and 191,043 output tokens over the 1,024
// requests), so lengths are drawn from log-normal distributions (σ = 1.2 for
// prompts, 0.8 for outputs; μ such that the filtered means are the published
// ones) and filtered as benchmark_serving filters ShareGPT: prompts of 4 to
// 1,024 tokens, outputs of at least 4, at most 2,048 together. The chat
// template adds its tokens to every prompt on the server's side, which the
// client's count leaves out.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <numbers>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "base/numbers.h"
#include "base/statistics.h"
#include "base/strings.h"
#include "engine/simulator/engine_core.h"
#include "engine/simulator/simulator_options.h"
#include "engine/tokenizer/stand_in_tokenizer.h"
#include "engine/tokenizer/text_generator.h"

namespace tessera {
namespace {

struct Published {
  double duration_seconds = 63.81;
  double input_tokens = 220902;
  double output_tokens = 191043;
  double request_throughput = 16.05;
  double output_throughput = 2993.85;
  double mean_ttft_ms = 564.63;
  double median_ttft_ms = 363.05;
  double p99_ttft_ms = 2301.28;
  double mean_tpot_ms = 36.10;
  double median_tpot_ms = 36.02;
  double p99_tpot_ms = 73.00;
  double mean_itl_ms = 35.30;
  double median_itl_ms = 21.43;
  double p99_itl_ms = 276.44;
};

struct RequestTiming {
  double start = 0;
  double scheduled = -1;  // when the step that began its prefill started
  double first_token = -1;
  double last_token = 0;
  int64_t output_tokens = 0;
  std::vector<double> gaps;
};

struct Conversation {
  int64_t prompt_tokens = 0;
  int64_t output_tokens = 0;
};

constexpr int64_t kRequests = 1024;
// Llama 3.1's chat template around one user message: <|begin_of_text|>, the
// system header with the template's default "Cutting Knowledge Date ... Today
// Date ..." preamble, the user header and <|eot_id|>, and the assistant
// header: about 31 tokens.
constexpr int64_t kChatTemplateTokens = 31;

// Standard normal draws by Box-Muller, so that the workload is the same
// whatever the standard library.
class NormalSource {
 public:
  explicit NormalSource(uint64_t seed) : generator_(seed) {}
  double Next() {
    const double u1 = 1.0 - Uniform();  // (0, 1]
    const double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

 private:
  double Uniform() {
    return static_cast<double>(generator_() >> 11) * 0x1.0p-53;  // [0, 1)
  }
  std::mt19937_64 generator_;
};

std::vector<Conversation> ShareGptStandIn(uint64_t seed) {
  // μ: the log-normals' log-means that give the published means after the
  // filter; σ: ShareGPT's long tails.
  constexpr double kPromptMu = 5.02;
  constexpr double kPromptSigma = 1.2;
  constexpr double kOutputMu = 4.919;
  constexpr double kOutputSigma = 0.8;
  NormalSource normal(seed);
  std::vector<Conversation> conversations;
  while (static_cast<int64_t>(conversations.size()) < kRequests) {
    const auto prompt =
        std::max<int64_t>(1, std::llround(std::exp(kPromptMu + kPromptSigma * normal.Next())));
    const auto output =
        std::max<int64_t>(1, std::llround(std::exp(kOutputMu + kOutputSigma * normal.Next())));
    if (prompt < 4 || output < 4 || prompt > 1024 || prompt + output > 2048) continue;
    conversations.push_back({prompt, output});
  }
  // One draw of 1,024 from long tails misses the published totals by several
  // per cent either way; scale it onto them, keeping the shape.
  const Published published;
  double prompt_total = 0;
  double output_total = 0;
  for (const Conversation& conversation : conversations) {
    prompt_total += static_cast<double>(conversation.prompt_tokens);
    output_total += static_cast<double>(conversation.output_tokens);
  }
  for (Conversation& conversation : conversations) {
    conversation.prompt_tokens =
        std::max<int64_t>(4, std::llround(static_cast<double>(conversation.prompt_tokens) *
                                          published.input_tokens / prompt_total));
    conversation.output_tokens =
        std::max<int64_t>(4, std::llround(static_cast<double>(conversation.output_tokens) *
                                          published.output_tokens / output_total));
  }
  return conversations;
}

int Run(std::vector<std::string> flags) {
  int64_t concurrency = 128;
  if (flags.size() >= 2 && flags[0] == "--max-concurrency") {
    const std::optional<int64_t> parsed = ParseInteger<int64_t>(flags[1]);
    if (!parsed || *parsed < 1) {
      std::fprintf(stderr,
                   "engine-sim-calibration: --max-concurrency: must be a positive integer\n");
      return 2;
    }
    concurrency = *parsed;
    flags.erase(flags.begin(), flags.begin() + 2);
  }
  // VLLM_USE_TRITON_FLASH_ATTN=0 vllm serve -tp 8 meta-llama/Llama-3.1-70B-Instruct
  //   --num-scheduler-steps 12 --gpu_memory_utilization=0.96 --max-num-seqs 2048
  std::vector<std::string> args = {"--model",
                                   "meta-llama/Llama-3.1-70B-Instruct",
                                   "--hardware",
                                   "mi300x",
                                   "-tp",
                                   "8",
                                   "--num-scheduler-steps",
                                   "12",
                                   "--gpu_memory_utilization=0.96",
                                   "--max-num-seqs",
                                   "2048"};
  if (!flags.empty()) {
    args = {"--model", "meta-llama/Llama-3.1-70B-Instruct", "--hardware", "mi300x"};
    args.insert(args.end(), flags.begin(), flags.end());
  }
  std::string help;
  StatusOr<simulator::SimulatorOptions> options = simulator::ParseSimulatorOptions(args, help);
  if (!options.ok()) {
    std::fprintf(stderr, "engine-sim-calibration: %s\n", options.status().ToString().c_str());
    return 2;
  }
  const simulator::EngineConfig& config = options->engine;
  StatusOr<std::unique_ptr<simulator::EngineCore>> created = simulator::EngineCore::Create(config);
  if (!created.ok()) {
    std::fprintf(stderr, "engine-sim-calibration: %s\n", created.status().ToString().c_str());
    return 1;
  }
  simulator::EngineCore& engine = **created;

  const std::vector<Conversation> conversations = ShareGptStandIn(/*seed=*/0);
  tokenizer::TextGenerator prompts(tokenizer::StandInTokenizer::Shared(), 1);
  std::map<std::string, RequestTiming> timings;
  int64_t sent = 0;
  int64_t input_tokens = 0;
  int64_t expected_output_tokens = 0;
  double now = 0;
  auto send = [&] {
    const Conversation& conversation = conversations[static_cast<size_t>(sent)];
    const std::string id = "request-" + std::to_string(sent++);
    simulator::EngineRequest request;
    request.id = id;
    request.prompt =
        prompts.tokenizer().Encode(prompts.Words(conversation.prompt_tokens + kChatTemplateTokens));
    request.max_output_tokens = conversation.output_tokens;
    input_tokens += conversation.prompt_tokens;
    expected_output_tokens += conversation.output_tokens;
    timings[id].start = now;
    if (Status added = engine.Add(std::move(request)); !added.ok()) {
      std::fprintf(stderr, "engine-sim-calibration: %s\n", added.ToString().c_str());
    }
  };
  for (int64_t i = 0; i < concurrency && sent < kRequests; ++i) send();

  int64_t steps = 0;
  while (!engine.idle()) {
    const simulator::StepOutcome step = engine.Step();
    for (const std::string& id : step.admitted) {
      if (timings[id].scheduled < 0) timings[id].scheduled = now;
    }
    now += step.seconds;
    ++steps;
    // The server sends a request's tokens of one step as one chunk, which
    // the client times once.
    std::set<std::string> chunked;
    for (const simulator::TokenEvent& event : step.tokens) {
      RequestTiming& timing = timings[event.request_id];
      if (chunked.insert(event.request_id).second) {
        if (timing.first_token < 0) {
          timing.first_token = now;
        } else {
          timing.gaps.push_back(now - timing.last_token);
        }
        timing.last_token = now;
      }
      ++timing.output_tokens;
      if (event.finish != simulator::FinishReason::kNone && sent < kRequests) send();
    }
  }

  std::vector<double> ttft;
  std::vector<double> queued;
  std::vector<double> tpot;
  std::vector<double> itl;
  int64_t output_tokens = 0;
  for (const auto& [id, timing] : timings) {
    ttft.push_back((timing.first_token - timing.start) * 1e3);
    queued.push_back((timing.scheduled - timing.start) * 1e3);
    // benchmark_serving leaves one-token outputs out of TPOT.
    if (timing.output_tokens > 1) {
      tpot.push_back((timing.last_token - timing.first_token) * 1e3 /
                     static_cast<double>(timing.output_tokens - 1));
    }
    for (double gap : timing.gaps) itl.push_back(gap * 1e3);
    output_tokens += timing.output_tokens;
  }
  const Published published;
  struct Row {
    const char* name;
    double simulated;
    double reference;
    double bound;  // acceptance, in percent; 0: none
  };
  const std::vector<Row> rows = {
      {"Benchmark duration (s)", now, published.duration_seconds, 0},
      {"Total input tokens", static_cast<double>(input_tokens), published.input_tokens, 0},
      {"Total generated tokens", static_cast<double>(output_tokens), published.output_tokens, 0},
      {"Request throughput (req/s)", static_cast<double>(kRequests) / now,
       published.request_throughput, 15},
      {"Output token throughput (tok/s)", static_cast<double>(output_tokens) / now,
       published.output_throughput, 15},
      {"Mean TTFT (ms)", Mean(ttft), published.mean_ttft_ms, 15},
      {"Median TTFT (ms)", Median(ttft), published.median_ttft_ms, 25},
      {"P99 TTFT (ms)", Percentile(ttft, 99), published.p99_ttft_ms, 25},
      {"Mean TPOT (ms)", Mean(tpot), published.mean_tpot_ms, 15},
      {"Median TPOT (ms)", Median(tpot), published.median_tpot_ms, 0},
      {"P99 TPOT (ms)", Percentile(tpot, 99), published.p99_tpot_ms, 0},
      {"Mean ITL (ms)", Mean(itl), published.mean_itl_ms, 15},
      {"Median ITL (ms)", Median(itl), published.median_itl_ms, 25},
      {"P99 ITL (ms)", Percentile(itl, 99), published.p99_itl_ms, 25},
  };
  std::printf("tessera-engine-sim %s\n", Join(args, " ").c_str());
  std::printf(
      "chunked prefill %s, max_num_batched_tokens %lld, %lld scheduler steps, prefix caching "
      "%s\n",
      config.scheduler.enable_chunked_prefill ? "on" : "off",
      static_cast<long long>(config.scheduler.max_num_batched_tokens),
      static_cast<long long>(config.scheduler.num_scheduler_steps),
      config.enable_prefix_caching ? "on" : "off");
  std::printf(
      "%lld ShareGPT-like requests (+%lld chat-template tokens each) at max concurrency %lld\n",
      static_cast<long long>(kRequests), static_cast<long long>(kChatTemplateTokens),
      static_cast<long long>(concurrency));
  std::printf(
      "KV cache: %lld blocks (%.0f full-length sequences); %lld steps; %lld preemptions\n\n",
      static_cast<long long>(engine.kv_cache_totals().total_blocks), engine.max_concurrency(),
      static_cast<long long>(steps), static_cast<long long>(engine.total_preemptions()));
  std::printf("| metric | simulated | published | error | bound |\n|---|---|---|---|---|\n");
  bool within = true;
  for (const Row& row : rows) {
    const double error = (row.simulated - row.reference) / row.reference * 100.0;
    std::string bound;
    if (row.bound > 0) {
      const bool ok = std::abs(error) <= row.bound;
      within = within && ok;
      bound = "±" + std::to_string(static_cast<int>(row.bound)) + "%" + (ok ? "" : " (outside)");
    }
    std::printf("| %s | %.2f | %.2f | %+.1f%% | %s |\n", row.name, row.simulated, row.reference,
                error, bound.c_str());
  }
  std::printf("\nwithin the acceptance bounds: %s\n", within ? "yes" : "no");
  // Of the time to first token, the wait before the step that began the
  // prefill, and the rest (that step, or the steps of a chunked prefill).
  std::printf("TTFT = wait + prefill: median wait %.2f ms, mean wait %.2f ms, mean rest %.2f ms\n",
              Median(queued), Mean(queued), Mean(ttft) - Mean(queued));
  return 0;
}

}  // namespace
}  // namespace tessera

int main(int argc, char** argv) {
  return tessera::Run(std::vector<std::string>(argv + 1, argv + argc));
}
