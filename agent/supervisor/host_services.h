// The supervisor's seams as the agent runs them on a host: processes
// through posix_spawn and pidfds, timers, and HTTP to the engines, all on
// the agent's event loop.

#ifndef TESSERA_AGENT_SUPERVISOR_HOST_SERVICES_H_
#define TESSERA_AGENT_SUPERVISOR_HOST_SERVICES_H_

#include <boost/asio/io_context.hpp>

#include "agent/gpu/gpu_backend.h"
#include "agent/metrics/http_client_fetcher.h"
#include "agent/supervisor/asio_timer_factory.h"
#include "agent/supervisor/supervisor.h"
#include "agent/supervisor/system_process_launcher.h"
#include "base/clock.h"
#include "base/logging.h"

namespace tessera::agent {

class HostServices {
 public:
  // Timeouts and retry periods come from `options`. Not owned: `loop`,
  // `gpus` and `clock` must outlive these services.
  HostServices(boost::asio::io_context& loop, const SupervisorOptions& options, GpuBackend& gpus,
               const Clock& clock, const Logger& logger);
  HostServices(const HostServices&) = delete;
  HostServices& operator=(const HostServices&) = delete;

  // For a supervisor that must not outlive these services.
  SupervisorServices services();

 private:
  GpuBackend& gpus_;
  const Clock& clock_;
  SystemProcessLauncher processes_;
  AsioTimerFactory timers_;
  HttpClientFetcher health_probes_;
  HttpClientFetcher engine_metrics_;
};

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_SUPERVISOR_HOST_SERVICES_H_
