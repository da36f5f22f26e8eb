// Serves the controller's GET /metrics, /healthz and /readyz on one address
// (--metrics-listen), on a thread of its own: probes answer while the
// controller waits for its lease, and a scrape never waits for a pass.
//
// No token: what it tells (deployment names and counts) is what
// `kubectl get md` shows anyone allowed to list them; bind it to the pod
// network (the chart) or loopback (`tessera up`).

#ifndef TESSERA_CONTROLLER_METRICS_METRICS_SERVER_H_
#define TESSERA_CONTROLLER_METRICS_METRICS_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "base/host_port.h"
#include "base/logging.h"
#include "base/status.h"
#include "controller/metrics/controller_metrics.h"

namespace tessera::controller {

class MetricsServer {
 public:
  // Binds `address` and serves until destroyed. /readyz answers 200 while
  // `ready` returns true, 503 otherwise; /healthz answers 200 while the
  // process serves at all. Not owned: `metrics` must outlive the server.
  // Unavailable when the address cannot be bound.
  static StatusOr<std::unique_ptr<MetricsServer>> Start(const HostPort& address,
                                                        const ControllerMetrics& metrics,
                                                        std::function<bool()> ready, Logger logger);

  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;
  // Stops serving and joins the thread.
  ~MetricsServer();

  uint16_t port() const;

 private:
  struct State;
  explicit MetricsServer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_METRICS_METRICS_SERVER_H_
