// The figures behind `tessera up`'s GET /api/v1/metrics (docs/up-api.md,
// "Series"): per deployment, a point per scrape of the agent's merged
// /metrics, each holding what happened over the `window` before it:
//
//  - requestsPerSecond, errorsPerSecond (non-2xx `code`) and TTFT
//    percentiles from the deployment's routers
//    (tessera_router_client_requests_total,
//    tessera_router_time_to_first_token_seconds); a deployment without a
//    router sample in a scrape falls back to its engines' own counters
//    (vLLM: vllm:request_success_total, aborts as errors, and
//    vllm:time_to_first_token_seconds; SGLang: sglang:num_requests_total,
//    sglang:num_aborted_requests_total, sglang:time_to_first_token_seconds)
//    from its decode workers, or all its workers in an aggregated one;
//  - TPOT and ITL percentiles from decode (or aggregated) workers;
//  - mean KV-cache usage per role (prefill, decode, worker) and ready
//    replicas per role, as they were at the scrape.
//
// Rates are increases over the window divided by the time the scrapes in it
// span, as Prometheus's rate() would give; a counter that goes down (a
// worker restarted) is taken to have restarted from 0. Percentiles follow
// histogram_quantile over the window's bucket increases summed by bound
// (linear within a bucket, the highest finite bound for ranks in +Inf), and
// are null when nothing was observed in the window. A series that appears
// for a worker seen at the previous scrape counts from 0, so that a first
// error (code="500" appearing at 1) is not lost; the counts a worker
// already has when it is first seen are not placed in any window.
//
// Memory is bounded by `retention`: at the default 2 s period and 15 min,
// 450 points of roughly 0.5 KB, about 0.25 MB per deployment, plus a few
// KB per worker for its counters' last values and the window's increases.
// A deployment gets points while it is in `ready_replicas` or has samples;
// once it has had neither for `retention`, its last point has aged out and
// it is dropped.
//
// Thread-safe: one thread records while another serves.

#ifndef TESSERA_CLI_UP_METRICS_HISTORY_H_
#define TESSERA_CLI_UP_METRICS_HISTORY_H_

#include <array>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace tessera::up {

struct MetricsHistoryOptions {
  // How often the caller records; reported to clients, which space their
  // axes by it.
  std::chrono::seconds period{2};
  // What each point's rates and percentiles are computed over.
  std::chrono::seconds window{10};
  // How long points are kept.
  std::chrono::seconds retention{900};
};

// Bucket upper bound -> cumulative count, the form of a Prometheus histogram.
using HistogramBuckets = std::map<double, double>;

// histogram_quantile(quantile, buckets) by Prometheus's rules: nullopt when
// there is no +Inf bucket, fewer than two buckets, or no observation.
// Counts that decrease with the bound (increases of buckets reset apart) are
// raised to the count before them first, as Prometheus does.
std::optional<double> HistogramQuantile(double quantile, const HistogramBuckets& buckets);

class MetricsHistory {
 public:
  explicit MetricsHistory(MetricsHistoryOptions options = {});

  // One scrape of the agent's /metrics taken at `time`.
  // `deployment_of_worker` maps a worker id (the samples' `worker` label) to
  // "namespace/name"; samples of other workers are ignored. `ready_replicas`
  // maps "namespace/name" to role name ("prefill", "decode", "worker",
  // "router") to the ready workers at that time. A `time` not after the
  // previous scrape's (the wall clock was stepped back) discards the points
  // at or after it and computes no increase across the step. Returns the
  // exposition's malformed lines, which were skipped.
  int Record(std::chrono::system_clock::time_point time, std::string_view exposition,
             const std::map<std::string, std::string>& deployment_of_worker,
             const std::map<std::string, std::map<std::string, int>>& ready_replicas);

  // docs/up-api.md's Series JSON with each deployment's points of the
  // `last` seconds up to `now` (at most `retention`). Every deployment still
  // kept appears, with empty arrays when it has no point in that span.
  nlohmann::json SeriesJson(std::chrono::system_clock::time_point now,
                            std::chrono::seconds last) const;

 private:
  using Percentiles = std::array<std::optional<double>, 3>;  // p50, p90, p99

  struct Point {
    std::chrono::system_clock::time_point time{};
    std::optional<double> requests_per_second{};
    std::optional<double> errors_per_second{};
    Percentiles time_to_first_token{};
    Percentiles time_per_output_token{};
    Percentiles inter_token_latency{};
    std::vector<std::pair<std::string, double>> kv_cache_usage{};  // by role, with samples
    // Ready workers by role; nullopt when the deployment was not in
    // ready_replicas.
    std::optional<std::vector<std::pair<std::string, int>>> replicas{};
  };

  // What one scrape added since the previous one.
  struct Increase {
    std::chrono::system_clock::time_point time{};
    double seconds = 0;
    double requests = 0;
    double errors = 0;
    HistogramBuckets time_to_first_token{};
    HistogramBuckets time_per_output_token{};
    HistogramBuckets inter_token_latency{};
  };

  struct Deployment {
    std::deque<Point> points{};
    std::deque<Increase> increases{};  // those inside the window of the last point
  };

  const MetricsHistoryOptions options_;
  mutable std::mutex mutex_;
  std::map<std::string, Deployment> deployments_;
  // The previous scrape: the counters' values by series, the workers it had
  // samples of, and when it was taken.
  std::map<std::string, double> previous_counters_;
  std::set<std::string> previous_workers_;
  std::optional<std::chrono::system_clock::time_point> previous_time_;
};

}  // namespace tessera::up

#endif  // TESSERA_CLI_UP_METRICS_HISTORY_H_
