#include "agent/agent_metrics.h"

#include <prometheus/text_serializer.h>

#include "agent/metrics/gpu_metrics.h"
#include "agent/metrics/gzip.h"
#include "base/strings.h"

namespace tessera::agent {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

std::vector<ClientMetric::Label> WorkerLabels(const WorkerStatus& worker,
                                              const std::string& hostname) {
  return {{"deployment", worker.spec.deployment},
          {"hostname", hostname},
          {"namespace", worker.spec.namespace_name},
          {"partition", Join(worker.spec.partitions, ",")},
          {"role", std::string(wire::WorkerRoleName(worker.spec.role))},
          {"worker", worker.id}};
}

ClientMetric Gauge(std::vector<ClientMetric::Label> labels, double value) {
  ClientMetric metric;
  metric.label = std::move(labels);
  metric.gauge.value = value;
  return metric;
}

}  // namespace

std::vector<MetricFamily> WorkerMetricFamilies(const std::vector<WorkerStatus>& workers,
                                               const std::string& hostname) {
  MetricFamily state{.name = "tessera_worker_state",
                     .help =
                         "1 for the state each worker is in (pending, starting, ready, "
                         "draining, stopping, stopped, backoff, failed), 0 for the others.",
                     .type = MetricType::Gauge,
                     .metric = {}};
  MetricFamily restarts{.name = "tessera_worker_restarts_total",
                        .help = "Times the agent restarted the worker's engine after it failed.",
                        .type = MetricType::Counter,
                        .metric = {}};
  MetricFamily crash_loop{.name = "tessera_worker_crash_loop",
                          .help = "1 while the worker keeps failing before it becomes ready.",
                          .type = MetricType::Gauge,
                          .metric = {}};
  MetricFamily startup{.name = "tessera_worker_startup_seconds",
                       .help = "Seconds from spawning the engine to its first healthy probe.",
                       .type = MetricType::Gauge,
                       .metric = {}};
  MetricFamily exit_code{.name = "tessera_worker_last_exit_code",
                         .help = "Exit code of the worker's engine the last time it exited.",
                         .type = MetricType::Gauge,
                         .metric = {}};
  MetricFamily in_flight{.name = "tessera_worker_in_flight_requests",
                         .help = "Requests running or queued in the engine at its last scrape.",
                         .type = MetricType::Gauge,
                         .metric = {}};
  for (const WorkerStatus& worker : workers) {
    const std::vector<ClientMetric::Label> labels = WorkerLabels(worker, hostname);
    for (wire::WorkerState candidate : wire::kAllWorkerStates) {
      std::vector<ClientMetric::Label> with_state = labels;
      with_state.push_back({"state", std::string(wire::WorkerStateName(candidate))});
      state.metric.push_back(Gauge(std::move(with_state), candidate == worker.state ? 1 : 0));
    }
    ClientMetric restart_count;
    restart_count.label = labels;
    restart_count.counter.value = worker.restarts;
    restarts.metric.push_back(std::move(restart_count));
    crash_loop.metric.push_back(Gauge(labels, worker.crash_loop ? 1 : 0));
    if (worker.startup_seconds) startup.metric.push_back(Gauge(labels, *worker.startup_seconds));
    if (worker.last_exit_code) exit_code.metric.push_back(Gauge(labels, *worker.last_exit_code));
    if (worker.in_flight) in_flight.metric.push_back(Gauge(labels, *worker.in_flight));
  }
  return {std::move(state),   std::move(restarts),  std::move(crash_loop),
          std::move(startup), std::move(exit_code), std::move(in_flight)};
}

std::string RenderAgentMetrics(const Supervisor& supervisor, const std::string& hostname,
                               bool gzip) {
  std::vector<MetricFamily> families = GpuMetricFamilies(supervisor.inventory(), hostname);
  for (MetricFamily& family : WorkerMetricFamilies(supervisor.Workers(), hostname)) {
    families.push_back(std::move(family));
  }
  MetricFamily scrape_failures{.name = "tessera_agent_engine_scrape_failures_total",
                               .help = "Engine /metrics scrapes that failed or timed out.",
                               .type = MetricType::Counter,
                               .metric = {}};
  ClientMetric failures;
  failures.label = {{"hostname", hostname}};
  failures.counter.value = static_cast<double>(supervisor.engine_scrape_failures());
  scrape_failures.metric.push_back(std::move(failures));
  families.push_back(std::move(scrape_failures));
  MetricFamily rejected{.name = "tessera_agent_engine_metric_lines_rejected_total",
                        .help = "Lines of engine metrics that were not valid exposition text.",
                        .type = MetricType::Counter,
                        .metric = {}};
  ClientMetric rejected_lines;
  rejected_lines.label = {{"hostname", hostname}};
  rejected_lines.counter.value = static_cast<double>(supervisor.engine_metric_lines_rejected());
  rejected.metric.push_back(std::move(rejected_lines));
  families.push_back(std::move(rejected));
  // The agent's own families are gpu_*, pcie_* and tessera_*; engines' are
  // vllm:* and sglang:*, so the two parts never declare the same family.
  std::string text = prometheus::TextSerializer().Serialize(families);
  if (gzip) {
    std::string body = GzipMember(text);
    const std::string& engines = supervisor.EngineMetricsGzip();
    if (body.empty() || (engines.empty() && !supervisor.EngineMetricsText().empty())) return {};
    body += engines;
    return body;
  }
  text += supervisor.EngineMetricsText();
  return text;
}

}  // namespace tessera::agent
