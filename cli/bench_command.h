// `tessera bench`: load an OpenAI-compatible endpoint the way vLLM's
// benchmark_serving does and report what it reports, with its flags.

#ifndef TESSERA_CLI_BENCH_COMMAND_H_
#define TESSERA_CLI_BENCH_COMMAND_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace tessera::cli {

struct BenchFlags {
  std::string base_url;  // overrides host and port
  std::string host = "127.0.0.1";
  int port = 8000;
  std::string endpoint;  // default: the backend's
  std::string backend = "vllm";
  std::string model;      // default: the server's first model
  std::string tokenizer;  // default: the stand-in
  std::string api_key;
  std::string dataset_name = "random";
  std::string dataset_path;
  int64_t random_input_len = 1024;
  int64_t random_output_len = 128;
  double random_range_ratio = 0;
  std::optional<int64_t> sharegpt_output_len;
  int64_t gsp_num_groups = 64;
  int64_t gsp_prompts_per_group = 16;
  int64_t gsp_system_prompt_len = 2048;
  int64_t gsp_question_len = 128;
  int64_t gsp_output_len = 256;
  int64_t num_prompts = 1000;
  std::optional<int64_t> max_concurrency;
  std::string request_rate = "inf";
  double burstiness = 1.0;
  uint64_t seed = 0;
  std::string percentile_metrics = "ttft,tpot,itl";
  std::string metric_percentiles = "99";
  std::vector<std::string> goodput;
  bool ignore_eos = false;
  bool disable_ignore_eos = false;  // SGLang's --disable-ignore-eos
  std::string result_file;
  std::string sweep_concurrency;
  std::string sweep_chart = "tessera-bench-sweep.png";
  std::string expect;
  std::string request_timeout = "6h";
  // The server's wall seconds per second of its own time (a simulator's
  // --time-scale): the request rate is in the server's time and so is
  // every figure reported.
  double time_scale = 1.0;
  // Copies of the first prompt sent and awaited before measuring, excluded
  // from every figure; 0 skips the warm-up. SGLang's flag and default.
  int64_t warmup_requests = 1;
  bool disable_progress = false;
};

CLI::App* AddBenchCommand(CLI::App& app, BenchFlags& flags);

// Exit status: 0 when the run completed (and met --expect), 1 when it fell
// short of --expect, 2 for invalid input (one line on `err` naming the
// flag) or a failed warm-up (nothing was measured). Failed requests of the
// measured run are part of the result, not an exit status.
int RunBenchCommand(const BenchFlags& flags, std::ostream& out, std::ostream& err);

}  // namespace tessera::cli

#endif  // TESSERA_CLI_BENCH_COMMAND_H_
