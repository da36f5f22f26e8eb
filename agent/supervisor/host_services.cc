#include "agent/supervisor/host_services.h"

namespace tessera::agent {

HostServices::HostServices(boost::asio::io_context& loop, const SupervisorOptions& options,
                           GpuBackend& gpus, const Clock& clock, const Logger& logger)
    : gpus_(gpus),
      clock_(clock),
      processes_(loop, options.policy.signal_retry_period, logger),
      timers_(loop, clock),
      health_probes_(loop, options.policy.probe_timeout),
      engine_metrics_(loop, options.scrape_timeout) {}

SupervisorServices HostServices::services() {
  return {.gpus = gpus_,
          .clock = clock_,
          .processes = processes_,
          .timers = timers_,
          .health_probes = health_probes_,
          .engine_metrics = engine_metrics_,
          .port_is_free = IsPortFree};
}

}  // namespace tessera::agent
