// Calibration of the engine simulator's performance model against a published
// vLLM run on MI300X (seed document 001, the tp8 row): the same model,
// hardware, engine flags and load, driven in virtual time by a closed-loop
// client like benchmark_serving's --max-concurrency, printed side by side
// with the published figures.
//
//   build/bin/engine-sim-calibration

#include <algorithm>
#include <cstdio>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "base/statistics.h"
#include "engine/model/model_catalog.h"
#include "engine/simulator/engine_core.h"
#include "engine/tokenizer/stand_in_tokenizer.h"
#include "engine/tokenizer/text_generator.h"
#include "hardware/gpu_catalog.h"

namespace tessera {
namespace {

struct Published {
  double duration_seconds = 63.81;
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
  double first_token = -1;
  double last_token = 0;
  int64_t output_tokens = 0;
  std::vector<double> gaps;
};

struct Workload {
  int64_t requests = 1024;
  int64_t concurrency = 128;
  int64_t prompt_tokens = 216;
  int64_t output_tokens = 187;
};

int Run() {
  // vllm serve -tp 8 meta-llama/Llama-3.1-70B-Instruct --num-scheduler-steps 12
  //   --gpu_memory_utilization=0.96 --max-num-seqs 2048
  simulator::EngineConfig config;
  config.memory.model = *model::FindCatalogModel("llama-3.1-70b");
  config.memory.weight_type = hardware::DataType::kBFloat16;
  config.memory.kv_cache_type = hardware::DataType::kBFloat16;
  config.memory.partition = *hardware::ResolvePartition("mi300x", "spx");
  config.memory.tensor_parallel_size = 8;
  config.memory.gpu_memory_utilization = 0.96;
  config.memory.max_model_len = config.memory.model.max_position_embeddings;
  config.scheduler.max_num_seqs = 2048;
  config.scheduler.max_model_len = config.memory.max_model_len;
  // Everything else at the simulator's defaults, which are vLLM V1's for an
  // OpenAI server on a large-memory GPU: chunked prefill with an 8192-token
  // budget, one step per schedule. (The published server also passed V0's
  // --num-scheduler-steps 12, which V1 no longer has.)
  config.memory.max_num_batched_tokens = config.scheduler.max_num_batched_tokens;
  config.enable_prefix_caching = false;

  StatusOr<std::unique_ptr<simulator::EngineCore>> created = simulator::EngineCore::Create(config);
  if (!created.ok()) {
    std::fprintf(stderr, "engine-sim-calibration: %s\n", created.status().ToString().c_str());
    return 1;
  }
  simulator::EngineCore& engine = **created;

  const Workload workload;
  tokenizer::TextGenerator prompts(tokenizer::StandInTokenizer::Shared(), 1);
  std::map<std::string, RequestTiming> timings;
  int64_t sent = 0;
  double now = 0;
  auto send = [&] {
    const std::string id = "request-" + std::to_string(sent++);
    simulator::EngineRequest request;
    request.id = id;
    request.prompt = prompts.tokenizer().Encode(prompts.Words(workload.prompt_tokens));
    request.max_output_tokens = workload.output_tokens;
    timings[id].start = now;
    (void)engine.Add(std::move(request));
  };
  for (int64_t i = 0; i < workload.concurrency && sent < workload.requests; ++i) send();

  int64_t steps = 0;
  while (!engine.idle()) {
    const simulator::StepOutcome step = engine.Step();
    now += step.seconds;
    ++steps;
    for (const simulator::TokenEvent& event : step.tokens) {
      RequestTiming& timing = timings[event.request_id];
      if (timing.first_token < 0) {
        timing.first_token = now;
      } else {
        timing.gaps.push_back(now - timing.last_token);
      }
      timing.last_token = now;
      ++timing.output_tokens;
      if (event.finish != simulator::FinishReason::kNone && sent < workload.requests) send();
    }
  }

  std::vector<double> ttft;
  std::vector<double> tpot;
  std::vector<double> itl;
  int64_t output_tokens = 0;
  for (const auto& [id, timing] : timings) {
    ttft.push_back((timing.first_token - timing.start) * 1e3);
    tpot.push_back((timing.last_token - timing.first_token) * 1e3 /
                   static_cast<double>(timing.output_tokens - 1));
    for (double gap : timing.gaps) itl.push_back(gap * 1e3);
    output_tokens += timing.output_tokens;
  }
  const Published published;
  struct Row {
    const char* name;
    double simulated;
    double reference;
    const char* bound;
  };
  const std::vector<Row> rows = {
      {"Benchmark duration (s)", now, published.duration_seconds, ""},
      {"Request throughput (req/s)", static_cast<double>(workload.requests) / now,
       published.request_throughput, ""},
      {"Output token throughput (tok/s)", static_cast<double>(output_tokens) / now,
       published.output_throughput, "±15%"},
      {"Mean TTFT (ms)", Mean(ttft), published.mean_ttft_ms, "±50%"},
      {"Median TTFT (ms)", Median(ttft), published.median_ttft_ms, ""},
      {"P99 TTFT (ms)", Percentile(ttft, 99), published.p99_ttft_ms, ""},
      {"Mean TPOT (ms)", Mean(tpot), published.mean_tpot_ms, ""},
      {"Median TPOT (ms)", Median(tpot), published.median_tpot_ms, "±15%"},
      {"P99 TPOT (ms)", Percentile(tpot, 99), published.p99_tpot_ms, ""},
      {"Mean ITL (ms)", Mean(itl), published.mean_itl_ms, ""},
      {"Median ITL (ms)", Median(itl), published.median_itl_ms, ""},
      {"P99 ITL (ms)", Percentile(itl, 99), published.p99_itl_ms, ""},
  };
  std::printf(
      "Llama-3.1-70B bf16, 8 x MI300X, TP 8, chunked prefill; %lld requests of %lld/%lld "
      "tokens at concurrency %lld\n",
      static_cast<long long>(workload.requests), static_cast<long long>(workload.prompt_tokens),
      static_cast<long long>(workload.output_tokens), static_cast<long long>(workload.concurrency));
  std::printf(
      "KV cache: %lld blocks (%.0f full-length sequences); %lld steps; %lld preemptions\n\n",
      static_cast<long long>(engine.kv_cache().total_blocks()), engine.max_concurrency(),
      static_cast<long long>(steps), static_cast<long long>(engine.total_preemptions()));
  std::printf("%-34s %12s %12s %9s  %s\n", "metric", "simulated", "published", "error", "bound");
  bool within = true;
  for (const Row& row : rows) {
    const double error = (row.simulated - row.reference) / row.reference * 100.0;
    std::printf("%-34s %12.2f %12.2f %+8.1f%%  %s\n", row.name, row.simulated, row.reference, error,
                row.bound);
    if (std::string(row.bound) == "±15%") within = within && std::abs(error) <= 15.0;
    if (std::string(row.bound) == "±50%") within = within && std::abs(error) <= 50.0;
  }
  std::printf("\nwithin the acceptance bounds: %s\n", within ? "yes" : "no");
  return 0;
}

}  // namespace
}  // namespace tessera

int main() { return tessera::Run(); }
