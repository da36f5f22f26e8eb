#include "cli/up/metrics_history.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>

#include "base/prometheus_text.h"

namespace tessera::up {
namespace {

using std::chrono::system_clock;
using Labels = std::vector<std::pair<std::string, std::string>>;

constexpr std::array<double, 3> kQuantiles = {0.5, 0.9, 0.99};

// What a point is computed from. The router's figures and the engines' are
// kept apart: a deployment uses the engines' only when it has no router.
enum Quantity : size_t {
  kRouterRequests,
  kRouterTimeToFirstToken,
  kEngineRequests,
  kEngineTimeToFirstToken,
  kTimePerOutputToken,
  kInterTokenLatency,
  kQuantityCount,
};

enum class ErrorRule {
  kNone,
  kNon2xxCode,   // the router's `code` label
  kAbortReason,  // vLLM's finished_reason="abort"
  kAll,          // a counter of failures only (SGLang's aborted requests)
};

struct Family {
  std::string_view sample_name;  // a counter, or a histogram's _bucket series
  Quantity quantity;
  // Engines renamed metrics across versions and kinds; a deployment's scrape
  // uses the most preferred (lowest) family of a quantity that has samples,
  // so that a worker exporting an old and a new name is not counted twice.
  size_t preference;
  ErrorRule errors = ErrorRule::kNone;
  bool counts_requests = true;
};

constexpr size_t kPreferenceCount = 3;

constexpr std::array kFamilies = {
    Family{.sample_name = "tessera_router_client_requests_total",
           .quantity = kRouterRequests,
           .preference = 0,
           .errors = ErrorRule::kNon2xxCode},
    Family{.sample_name = "tessera_router_time_to_first_token_seconds_bucket",
           .quantity = kRouterTimeToFirstToken,
           .preference = 0},
    Family{.sample_name = "vllm:request_success_total",
           .quantity = kEngineRequests,
           .preference = 0,
           .errors = ErrorRule::kAbortReason},
    Family{
        .sample_name = "sglang:num_requests_total", .quantity = kEngineRequests, .preference = 1},
    Family{.sample_name = "sglang:num_aborted_requests_total",
           .quantity = kEngineRequests,
           .preference = 1,
           .errors = ErrorRule::kAll,
           .counts_requests = false},
    Family{.sample_name = "vllm:time_to_first_token_seconds_bucket",
           .quantity = kEngineTimeToFirstToken,
           .preference = 0},
    Family{.sample_name = "sglang:time_to_first_token_seconds_bucket",
           .quantity = kEngineTimeToFirstToken,
           .preference = 1},
    Family{.sample_name = "vllm:request_time_per_output_token_seconds_bucket",
           .quantity = kTimePerOutputToken,
           .preference = 0},
    Family{.sample_name = "vllm:time_per_output_token_seconds_bucket",
           .quantity = kTimePerOutputToken,
           .preference = 1},
    Family{.sample_name = "sglang:time_per_output_token_seconds_bucket",
           .quantity = kTimePerOutputToken,
           .preference = 2},
    Family{.sample_name = "vllm:inter_token_latency_seconds_bucket",
           .quantity = kInterTokenLatency,
           .preference = 0},
    Family{.sample_name = "sglang:inter_token_latency_seconds_bucket",
           .quantity = kInterTokenLatency,
           .preference = 1},
};

// KV-cache usage gauges (0 to 1), most preferred first: vLLM renamed
// gpu_cache_usage_perc to kv_cache_usage_perc and exported both for a while.
constexpr std::array<std::string_view, 3> kKvCacheFamilies = {
    "vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc", "sglang:token_usage"};

constexpr std::array<std::string_view, 3> kEngineRoles = {"prefill", "decode", "worker"};

const Family* FamilyOf(std::string_view sample_name) {
  for (const Family& family : kFamilies) {
    if (family.sample_name == sample_name) return &family;
  }
  return nullptr;
}

bool IsRouterQuantity(Quantity quantity) {
  return quantity == kRouterRequests || quantity == kRouterTimeToFirstToken;
}

bool CountsAsError(const Family& family, const Labels& labels) {
  switch (family.errors) {
    case ErrorRule::kNone:
      return false;
    case ErrorRule::kNon2xxCode:
      return !LabelValue(labels, "code").starts_with('2');
    case ErrorRule::kAbortReason:
      return LabelValue(labels, "finished_reason") == "abort";
    case ErrorRule::kAll:
      return true;
  }
  return false;
}

// A series' identity: its name and every label, sorted so that the order a
// source writes them in does not matter.
std::string SeriesKey(const PrometheusSample& sample) {
  Labels labels = sample.labels;
  std::sort(labels.begin(), labels.end());
  std::string key = sample.name;
  for (const auto& [name, value] : labels) {
    key += '\x1f';
    key += name;
    key += '=';
    key += value;
  }
  return key;
}

void AddBuckets(HistogramBuckets& into, const HistogramBuckets& from) {
  for (const auto& [bound, count] : from) into[bound] += count;
}

// One quantity of one deployment's scrape: increases since the previous
// scrape.
struct Accumulated {
  bool seen = false;  // the family had samples, whether or not they moved
  double requests = 0;
  double errors = 0;
  HistogramBuckets buckets{};
};

struct DeploymentScrape {
  bool has_router = false;
  std::array<std::array<Accumulated, kPreferenceCount>, kQuantityCount> quantities{};
  // role -> worker -> per KV-cache family, the sum and number of samples.
  std::map<std::string, std::map<std::string, std::array<std::pair<double, int>, 3>>> kv_cache{};

  // The most preferred family of `quantity` with samples; an empty one when
  // none had.
  const Accumulated& Chosen(Quantity quantity) const {
    for (const Accumulated& accumulated : quantities[quantity]) {
      if (accumulated.seen) return accumulated;
    }
    return quantities[quantity][0];
  }
};

std::optional<double> Rate(double increase, double seconds) {
  if (seconds <= 0) return std::nullopt;
  return increase / seconds;
}

double UnixSeconds(system_clock::time_point time) {
  return std::chrono::duration<double>(time.time_since_epoch()).count();
}

nlohmann::json OrNull(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace

std::optional<double> HistogramQuantile(double quantile, const HistogramBuckets& buckets) {
  if (buckets.size() < 2 || !std::isinf(buckets.rbegin()->first) || buckets.rbegin()->first < 0) {
    return std::nullopt;
  }
  std::vector<std::pair<double, double>> sorted(buckets.begin(), buckets.end());
  for (size_t i = 1; i < sorted.size(); ++i) {
    sorted[i].second = std::max(sorted[i].second, sorted[i - 1].second);
  }
  const double observations = sorted.back().second;
  if (!(observations > 0)) return std::nullopt;
  double rank = quantile * observations;
  // The first bucket, +Inf aside, whose count reaches the rank.
  size_t index = 0;
  while (index < sorted.size() - 1 && sorted[index].second < rank) ++index;
  if (index == sorted.size() - 1) return sorted[index - 1].first;
  if (index == 0 && sorted[0].first <= 0) return sorted[0].first;
  double start = 0;
  double count = sorted[index].second;
  if (index > 0) {
    start = sorted[index - 1].first;
    count -= sorted[index - 1].second;
    rank -= sorted[index - 1].second;
  }
  return start + (sorted[index].first - start) * (rank / count);
}

MetricsHistory::MetricsHistory(MetricsHistoryOptions options) : options_(options) {}

int MetricsHistory::Record(
    system_clock::time_point time, std::string_view exposition,
    const std::map<std::string, std::string>& deployment_of_worker,
    const std::map<std::string, std::map<std::string, int>>& ready_replicas) {
  const ParsedExposition parsed = ParsePrometheusText(exposition);

  std::lock_guard lock(mutex_);
  const bool stepped_back = previous_time_ && time <= *previous_time_;
  const bool has_interval = previous_time_ && !stepped_back;
  std::map<std::string, double> counters;
  std::set<std::string> workers;
  std::map<std::string, DeploymentScrape> scrapes;
  for (const PrometheusSample& sample : parsed.samples) {
    const std::string worker(LabelValue(sample.labels, "worker"));
    const auto deployment = deployment_of_worker.find(worker);
    if (deployment == deployment_of_worker.end()) continue;
    workers.insert(worker);
    DeploymentScrape& scrape = scrapes[deployment->second];
    const std::string_view role = LabelValue(sample.labels, "role");
    if (role == "router") scrape.has_router = true;
    if (std::isnan(sample.value)) continue;

    const auto* const kv_family =
        std::find(kKvCacheFamilies.begin(), kKvCacheFamilies.end(), sample.name);
    if (kv_family != kKvCacheFamilies.end()) {
      if (std::find(kEngineRoles.begin(), kEngineRoles.end(), role) == kEngineRoles.end()) continue;
      auto& [sum, count] =
          scrape.kv_cache[std::string(role)][worker]
                         [static_cast<size_t>(kv_family - kKvCacheFamilies.begin())];
      sum += sample.value;
      ++count;
      continue;
    }

    const Family* family = FamilyOf(sample.name);
    if (family == nullptr) continue;
    const bool wanted_role = IsRouterQuantity(family->quantity)
                                 ? role == "router"
                                 : role == "decode" || role == "worker";
    if (!wanted_role) continue;
    std::optional<double> bound;
    if (sample.name.ends_with("_bucket")) {
      bound = ParseSampleValue(LabelValue(sample.labels, "le"));
      if (!bound || std::isnan(*bound)) continue;
    }
    std::string key = SeriesKey(sample);
    double increase = 0;
    if (const auto previous = previous_counters_.find(key); previous != previous_counters_.end()) {
      // A counter that went down restarted from 0, as Prometheus takes it.
      increase = sample.value >= previous->second ? sample.value - previous->second : sample.value;
    } else if (previous_workers_.contains(worker)) {
      increase = sample.value;
    }
    counters[std::move(key)] = sample.value;
    if (!has_interval) increase = 0;

    Accumulated& accumulated = scrape.quantities[family->quantity][family->preference];
    accumulated.seen = true;
    if (bound) {
      accumulated.buckets[*bound] += increase;
    } else {
      if (family->counts_requests) accumulated.requests += increase;
      if (CountsAsError(*family, sample.labels)) accumulated.errors += increase;
    }
  }

  if (stepped_back) {
    for (auto& [name, deployment] : deployments_) {
      while (!deployment.points.empty() && deployment.points.back().time >= time) {
        deployment.points.pop_back();
      }
      while (!deployment.increases.empty() && deployment.increases.back().time >= time) {
        deployment.increases.pop_back();
      }
    }
  }

  std::set<std::string> present;
  for (const auto& [name, roles] : ready_replicas) present.insert(name);
  for (const auto& [name, scrape] : scrapes) present.insert(name);
  const DeploymentScrape no_samples;
  for (const std::string& name : present) {
    const auto scrape_entry = scrapes.find(name);
    const DeploymentScrape& scrape =
        scrape_entry == scrapes.end() ? no_samples : scrape_entry->second;
    Deployment& deployment = deployments_[name];
    if (has_interval) {
      const Accumulated& requests =
          scrape.Chosen(scrape.has_router ? kRouterRequests : kEngineRequests);
      deployment.increases.push_back(
          {.time = time,
           .seconds = std::chrono::duration<double>(time - *previous_time_).count(),
           .requests = requests.requests,
           .errors = requests.errors,
           .time_to_first_token =
               scrape.Chosen(scrape.has_router ? kRouterTimeToFirstToken : kEngineTimeToFirstToken)
                   .buckets,
           .time_per_output_token = scrape.Chosen(kTimePerOutputToken).buckets,
           .inter_token_latency = scrape.Chosen(kInterTokenLatency).buckets});
    }
    while (!deployment.increases.empty() &&
           deployment.increases.front().time <= time - options_.window) {
      deployment.increases.pop_front();
    }

    Point point{.time = time};
    Increase window;
    for (const Increase& increase : deployment.increases) {
      window.seconds += increase.seconds;
      window.requests += increase.requests;
      window.errors += increase.errors;
      AddBuckets(window.time_to_first_token, increase.time_to_first_token);
      AddBuckets(window.time_per_output_token, increase.time_per_output_token);
      AddBuckets(window.inter_token_latency, increase.inter_token_latency);
    }
    point.requests_per_second = Rate(window.requests, window.seconds);
    point.errors_per_second = Rate(window.errors, window.seconds);
    for (size_t i = 0; i < kQuantiles.size(); ++i) {
      point.time_to_first_token[i] = HistogramQuantile(kQuantiles[i], window.time_to_first_token);
      point.time_per_output_token[i] =
          HistogramQuantile(kQuantiles[i], window.time_per_output_token);
      point.inter_token_latency[i] = HistogramQuantile(kQuantiles[i], window.inter_token_latency);
    }
    for (const auto& [role, role_workers] : scrape.kv_cache) {
      double sum_of_means = 0;
      int measured = 0;
      for (const auto& [worker, families] : role_workers) {
        // Each worker's most preferred gauge, averaged over its engines.
        const auto* const first = std::find_if(
            families.begin(), families.end(), [](const auto& family) { return family.second > 0; });
        if (first == families.end()) continue;
        sum_of_means += first->first / first->second;
        ++measured;
      }
      if (measured > 0) point.kv_cache_usage.emplace_back(role, sum_of_means / measured);
    }
    if (const auto ready = ready_replicas.find(name); ready != ready_replicas.end()) {
      point.replicas.emplace(ready->second.begin(), ready->second.end());
    }
    deployment.points.push_back(std::move(point));
  }

  for (auto it = deployments_.begin(); it != deployments_.end();) {
    std::deque<Point>& points = it->second.points;
    while (!points.empty() && points.front().time <= time - options_.retention) points.pop_front();
    it = points.empty() ? deployments_.erase(it) : std::next(it);
  }
  previous_counters_ = std::move(counters);
  previous_workers_ = std::move(workers);
  previous_time_ = time;
  return parsed.malformed_lines;
}

nlohmann::json MetricsHistory::SeriesJson(system_clock::time_point now,
                                          std::chrono::seconds last) const {
  last = std::clamp(last, std::chrono::seconds(0), options_.retention);
  const system_clock::time_point from = now - last;
  nlohmann::json deployments = nlohmann::json::object();

  std::lock_guard lock(mutex_);
  for (const auto& [name, deployment] : deployments_) {
    std::vector<const Point*> points;
    for (const Point& point : deployment.points) {
      if (point.time > from && point.time <= now) points.push_back(&point);
    }
    std::set<std::string> kv_roles;
    std::set<std::string> replica_roles;
    for (const Point* point : points) {
      for (const auto& [role, usage] : point->kv_cache_usage) kv_roles.insert(role);
      if (point->replicas) {
        for (const auto& [role, ready] : *point->replicas) replica_roles.insert(role);
      }
    }

    nlohmann::json time = nlohmann::json::array();
    nlohmann::json requests = nlohmann::json::array();
    nlohmann::json errors = nlohmann::json::array();
    const auto percentiles = [&](Percentiles Point::*member) {
      nlohmann::json series = nlohmann::json::object();
      constexpr std::array<std::string_view, 3> kNames = {"p50", "p90", "p99"};
      for (size_t i = 0; i < kNames.size(); ++i) {
        nlohmann::json values = nlohmann::json::array();
        for (const Point* point : points) values.push_back(OrNull((point->*member)[i]));
        series[std::string(kNames[i])] = std::move(values);
      }
      return series;
    };
    nlohmann::json kv_cache = nlohmann::json::object();
    for (const std::string& role : kv_roles) kv_cache[role] = nlohmann::json::array();
    nlohmann::json replicas = nlohmann::json::object();
    for (const std::string& role : replica_roles) replicas[role] = nlohmann::json::array();

    for (const Point* point : points) {
      time.push_back(UnixSeconds(point->time));
      requests.push_back(OrNull(point->requests_per_second));
      errors.push_back(OrNull(point->errors_per_second));
      for (const std::string& role : kv_roles) {
        std::optional<double> usage;
        for (const auto& [measured_role, value] : point->kv_cache_usage) {
          if (measured_role == role) usage = value;
        }
        kv_cache[role].push_back(OrNull(usage));
      }
      for (const std::string& role : replica_roles) {
        if (!point->replicas) {
          replicas[role].push_back(nullptr);
          continue;
        }
        // A role the deployment had no entry for at that time had no ready
        // worker.
        int ready = 0;
        for (const auto& [ready_role, count] : *point->replicas) {
          if (ready_role == role) ready = count;
        }
        replicas[role].push_back(ready);
      }
    }
    deployments[name] = {
        {"time", std::move(time)},
        {"requestsPerSecond", std::move(requests)},
        {"errorsPerSecond", std::move(errors)},
        {"ttftSeconds", percentiles(&Point::time_to_first_token)},
        {"tpotSeconds", percentiles(&Point::time_per_output_token)},
        {"itlSeconds", percentiles(&Point::inter_token_latency)},
        {"kvCacheUsage", std::move(kv_cache)},
        {"replicas", std::move(replicas)},
    };
  }
  return {{"periodSeconds", options_.period.count()},
          {"windowSeconds", options_.window.count()},
          {"deployments", std::move(deployments)}};
}

}  // namespace tessera::up
