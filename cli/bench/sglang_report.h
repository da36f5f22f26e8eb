// How a benchmark's result is shown with --backend sglang: the "Serving
// Benchmark Result" block of SGLang 0.4.6's bench_serving.py, label for
// label (its "Max reqeuest concurrency:" spelling included), and its JSON
// keys, so that a result drops into scripts written for SGLang's client.
// The figures SGLang adds to vLLM's (input throughput, concurrency, P95 ITL,
// max ITL, ...) are computed here from the same outcomes, in the same way.

#ifndef TESSERA_CLI_BENCH_SGLANG_REPORT_H_
#define TESSERA_CLI_BENCH_SGLANG_REPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/bench/benchmark_metrics.h"
#include "cli/bench/request_outcome.h"
#include "cli/bench/result_report.h"
#include "engine/tokenizer/tokenizer.h"

namespace tessera::bench {

// SGLang's calculate_metrics figures that BenchmarkMetrics does not hold.
// Latencies of successful requests only; a figure over no sample is 0.
struct SglangFigures {
  // The generated text counted again by the client's tokenizer.
  int64_t total_output_retokenized = 0;
  double input_throughput = 0;  // input tokens per second
  double p99_ttft_ms = 0;
  double p99_tpot_ms = 0;
  double p95_itl_ms = 0;
  double p99_itl_ms = 0;
  double max_itl_ms = 0;
  double p99_e2e_latency_ms = 0;
  // Sum of request latencies over the duration: requests in flight on
  // average.
  double concurrency = 0;
  // Mean accepted tokens per speculative step, from the server's
  // /get_server_info; unknown without speculative decoding or that API.
  std::optional<double> accept_length;
};

SglangFigures CalculateSglangFigures(const std::vector<RequestOutcome>& outcomes,
                                     const BenchmarkMetrics& metrics,
                                     const tokenizer::Tokenizer& tokenizer);

// SGLang's avg_spec_accept_length from a /get_server_info body: at the top
// level, or under "decode"[0] for a prefill-decode deployment (as SGLang's
// client reads it with --pd-separated). Empty when absent or not a number.
std::optional<double> AcceptLengthFromServerInfo(const nlohmann::json& server_info);

// The block, starting with the empty line SGLang prints before it and
// ending with a line of '='. Failed requests, which SGLang's block does not
// count, are listed by reason below it.
std::string FormatSglangResultBlock(const BenchmarkMetrics& metrics, const SglangFigures& figures,
                                    const RunDescription& run);

// SGLang's keys in its order (its JSONL line), then the per-request lists
// its benchmark() returns, then what tessera adds (failed, model_id, tokenizer_id, date,
// latencies, start_times). request_rate is the string "inf" for no limit:
// JSON has no infinity (Python writes the non-standard Infinity).
nlohmann::ordered_json SglangResultJson(const BenchmarkMetrics& metrics,
                                        const SglangFigures& figures,
                                        const std::vector<RequestOutcome>& outcomes,
                                        const RunDescription& run);

// Python's str() of a float, as SGLang prints the request rate: "inf",
// "4.0", "2.5".
std::string PythonFloat(double value);

}  // namespace tessera::bench

#endif  // TESSERA_CLI_BENCH_SGLANG_REPORT_H_
