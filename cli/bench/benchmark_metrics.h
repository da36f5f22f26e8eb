// A benchmark's figures from its per-request outcomes, computed as vLLM's
// benchmark_serving computes them (calculate_metrics), so that results can
// be compared with published ones: TPOT per request is (latency − TTFT) ÷
// (output tokens − 1) for requests of more than one token; ITL statistics
// run over every gap of every request; statistics are NumPy's (population
// standard deviation, linear percentiles); peaks come from one-second
// buckets of reconstructed token times.

#ifndef TESSERA_CLI_BENCH_BENCHMARK_METRICS_H_
#define TESSERA_CLI_BENCH_BENCHMARK_METRICS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/bench/goodput.h"
#include "cli/bench/request_outcome.h"

namespace tessera::bench {

struct LatencySummary {
  double mean_ms = 0;
  double median_ms = 0;
  double std_ms = 0;
  // (percentile, value) in the order asked for.
  std::vector<std::pair<double, double>> percentiles_ms{};
};

struct BenchmarkMetrics {
  int64_t completed = 0;
  int64_t failed = 0;
  int64_t total_input = 0;
  int64_t total_output = 0;
  double duration_seconds = 0;
  double request_throughput = 0;
  std::optional<double> request_goodput;  // with objectives only
  double output_throughput = 0;
  double total_token_throughput = 0;
  double max_output_tokens_per_s = 0;
  double max_concurrent_requests = 0;
  LatencySummary ttft;
  LatencySummary tpot;
  LatencySummary itl;
  LatencySummary e2el;
  // Failed requests counted by their error message.
  std::map<std::string, int64_t> errors{};
};

BenchmarkMetrics CalculateMetrics(const std::vector<RequestOutcome>& outcomes,
                                  double duration_seconds, const std::vector<double>& percentiles,
                                  const GoodputObjectives& goodput);

// TPOT of one request in seconds: 0 for a request of one token.
double TimePerOutputToken(const RequestOutcome& outcome);

// "99" for 99, "99.9" for 99.9: how vLLM names percentiles in its keys.
std::string PercentileLabel(double percentile);

}  // namespace tessera::bench

#endif  // TESSERA_CLI_BENCH_BENCHMARK_METRICS_H_
