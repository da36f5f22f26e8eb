// How a benchmark's result is shown: the "Serving Benchmark Result" block
// users know from vLLM's benchmark_serving, line for line, and the JSON
// result file with vLLM's field names (so existing tooling reads it) plus
// every per-request timing.

#ifndef TESSERA_CLI_BENCH_RESULT_REPORT_H_
#define TESSERA_CLI_BENCH_RESULT_REPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/bench/benchmark_metrics.h"
#include "cli/bench/request_outcome.h"

namespace tessera::bench {

// The run's settings that the block and the JSON name.
struct RunDescription {
  std::string backend;
  std::string model;
  std::string tokenizer;  // what --tokenizer named, or "tessera-stand-in"
  std::string base_url;
  std::string endpoint;
  std::string dataset_name;
  int64_t num_prompts = 0;
  double request_rate = 0;  // infinity: all at once
  double burstiness = 1;
  std::optional<int64_t> max_concurrency;
  std::vector<std::string> percentile_metrics;  // of ttft, tpot, itl, e2el
  std::vector<double> metric_percentiles;
  std::string date;  // "20261123-141500", as vLLM stamps results
  // The workload's flags, which SGLang's result repeats.
  int64_t random_input_len = 0;
  int64_t random_output_len = 0;
  double random_range_ratio = 0;
  std::optional<int64_t> sharegpt_output_len;
};

// The block, ending with a line of '='. Failed requests are listed by reason
// below it (FormatFailures), so the block itself stays comparable line by
// line.
std::string FormatResultBlock(const BenchmarkMetrics& metrics, const RunDescription& run);

// "Failed requests by reason:" and one line per reason; empty without
// failures.
std::string FormatFailures(const BenchmarkMetrics& metrics);

// The per-request lists both clients' result files carry, one entry per
// outcome in order; each client writes them under these names in an order
// of its own. SGLang counts a failed request's output as 0 tokens, vLLM
// counts what it received.
struct PerRequestLists {
  nlohmann::ordered_json input_lens = nlohmann::ordered_json::array();
  nlohmann::ordered_json output_lens = nlohmann::ordered_json::array();
  nlohmann::ordered_json ttfts = nlohmann::ordered_json::array();
  nlohmann::ordered_json itls = nlohmann::ordered_json::array();
  nlohmann::ordered_json latencies = nlohmann::ordered_json::array();
  nlohmann::ordered_json start_times = nlohmann::ordered_json::array();
  nlohmann::ordered_json generated_texts = nlohmann::ordered_json::array();
  nlohmann::ordered_json errors = nlohmann::ordered_json::array();
};
PerRequestLists PerRequestListsOf(const std::vector<RequestOutcome>& outcomes,
                                  bool failed_output_is_zero);

// vLLM's keys, and also "request_goodput:" (with the colon), the spelling
// vLLM 0.8.x writes and scripts written against it read.
nlohmann::ordered_json ResultJson(const BenchmarkMetrics& metrics,
                                  const std::vector<RequestOutcome>& outcomes,
                                  const RunDescription& run);

}  // namespace tessera::bench

#endif  // TESSERA_CLI_BENCH_RESULT_REPORT_H_
