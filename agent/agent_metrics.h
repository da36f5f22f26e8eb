// The agent's /metrics: one scrape target per node carrying
//   - GPU and partition gauges (AMD device-metrics-exporter names),
//   - worker lifecycle (tessera_worker_*),
//   - every worker's own engine metrics, relabelled with worker, deployment,
//     role and partition.
// Rendering reads only what the supervisor already holds: engine metrics are
// scraped in the background, so a worker that does not answer never stalls
// this scrape.

#ifndef TESSERA_AGENT_AGENT_METRICS_H_
#define TESSERA_AGENT_AGENT_METRICS_H_

#include <string>
#include <vector>

#include <prometheus/metric_family.h>

#include "agent/supervisor/supervisor.h"

namespace tessera::agent {

// Worker lifecycle families for `workers`.
std::vector<prometheus::MetricFamily> WorkerMetricFamilies(const std::vector<WorkerStatus>& workers,
                                                           const std::string& hostname);

// The whole /metrics body, as text or (gzip) as two gzip members: the
// agent's own families, compressed now, then the engines', compressed when
// they were merged. Empty when gzip was asked for and compression failed.
// Runs on the supervisor's event loop.
std::string RenderAgentMetrics(const Supervisor& supervisor, const std::string& hostname,
                               bool gzip = false);

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_AGENT_METRICS_H_
