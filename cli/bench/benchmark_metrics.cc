#include "cli/bench/benchmark_metrics.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>

#include "base/statistics.h"

namespace tessera::bench {
namespace {

LatencySummary Summarize(const std::vector<double>& seconds,
                         const std::vector<double>& percentiles) {
  std::vector<double> milliseconds(seconds.size());
  std::transform(seconds.begin(), seconds.end(), milliseconds.begin(),
                 [](double value) { return value * 1000; });
  LatencySummary summary;
  summary.mean_ms = Mean(milliseconds);
  summary.median_ms = Median(milliseconds);
  summary.std_ms = StandardDeviation(milliseconds);
  for (const double percentile : percentiles) {
    summary.percentiles_ms.emplace_back(percentile, Percentile(milliseconds, percentile));
  }
  return summary;
}

// Busiest one-second buckets, counted from the first successful send.
void ComputePeaks(const std::vector<RequestOutcome>& outcomes, BenchmarkMetrics& metrics) {
  double first_start = std::numeric_limits<double>::infinity();
  double last_end = -std::numeric_limits<double>::infinity();
  for (const RequestOutcome& outcome : outcomes) {
    if (!outcome.success) continue;
    first_start = std::min(first_start, outcome.start_time);
    last_end = std::max(last_end, outcome.start_time + outcome.latency);
  }
  if (!std::isfinite(first_start)) return;
  const auto buckets = static_cast<size_t>(std::ceil(last_end - first_start)) + 1;
  std::vector<double> tokens(buckets, 0);
  std::vector<double> concurrent(buckets, 0);
  const auto bucket_of = [&](double time) {
    return static_cast<size_t>(std::max(0.0, time - first_start));
  };
  for (const RequestOutcome& outcome : outcomes) {
    if (!outcome.success) continue;
    double token_time = outcome.start_time + outcome.ttft;
    if (const size_t bucket = bucket_of(token_time); bucket < buckets) ++tokens[bucket];
    for (const double gap : outcome.itl) {
      token_time += gap;
      if (const size_t bucket = bucket_of(token_time); bucket < buckets) ++tokens[bucket];
    }
    const size_t end = std::min(buckets - 1, bucket_of(outcome.start_time + outcome.latency));
    for (size_t second = bucket_of(outcome.start_time); second <= end; ++second) {
      ++concurrent[second];
    }
  }
  metrics.max_output_tokens_per_s = *std::max_element(tokens.begin(), tokens.end());
  metrics.max_concurrent_requests = *std::max_element(concurrent.begin(), concurrent.end());
}

}  // namespace

double TimePerOutputToken(const RequestOutcome& outcome) {
  if (outcome.output_tokens <= 1) return 0;
  return (outcome.latency - outcome.ttft) / static_cast<double>(outcome.output_tokens - 1);
}

std::string PercentileLabel(double percentile) {
  if (percentile == std::floor(percentile)) {
    return std::to_string(static_cast<int64_t>(percentile));
  }
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%g", percentile);
  return text.data();
}

BenchmarkMetrics CalculateMetrics(const std::vector<RequestOutcome>& outcomes,
                                  double duration_seconds, const std::vector<double>& percentiles,
                                  const GoodputObjectives& goodput) {
  BenchmarkMetrics metrics;
  metrics.duration_seconds = duration_seconds;
  std::vector<double> ttfts;
  std::vector<double> tpots;
  std::vector<double> itls;
  std::vector<double> e2els;
  int64_t good = 0;
  for (const RequestOutcome& outcome : outcomes) {
    if (!outcome.success) {
      ++metrics.failed;
      ++metrics.errors[outcome.error];
      continue;
    }
    ++metrics.completed;
    metrics.total_input += outcome.prompt_len;
    metrics.total_output += outcome.output_tokens;
    const double tpot = TimePerOutputToken(outcome);
    if (outcome.output_tokens > 1) tpots.push_back(tpot);
    ttfts.push_back(outcome.ttft);
    itls.insert(itls.end(), outcome.itl.begin(), outcome.itl.end());
    e2els.push_back(outcome.latency);
    if (goodput.Met(outcome.ttft * 1000, tpot * 1000, outcome.latency * 1000)) ++good;
  }
  if (duration_seconds > 0) {
    metrics.request_throughput = static_cast<double>(metrics.completed) / duration_seconds;
    metrics.output_throughput = static_cast<double>(metrics.total_output) / duration_seconds;
    metrics.total_token_throughput =
        static_cast<double>(metrics.total_input + metrics.total_output) / duration_seconds;
    if (!goodput.empty()) metrics.request_goodput = static_cast<double>(good) / duration_seconds;
  } else if (!goodput.empty()) {
    metrics.request_goodput = 0;
  }
  metrics.ttft = Summarize(ttfts, percentiles);
  metrics.tpot = Summarize(tpots, percentiles);
  metrics.itl = Summarize(itls, percentiles);
  metrics.e2el = Summarize(e2els, percentiles);
  ComputePeaks(outcomes, metrics);
  return metrics;
}

}  // namespace tessera::bench
