// How the supervisor probes, restarts and stops workers. Defaults suit real
// engines (model loading takes minutes); tests and the simulator shorten them.

#ifndef TESSERA_AGENT_SUPERVISOR_SUPERVISION_POLICY_H_
#define TESSERA_AGENT_SUPERVISOR_SUPERVISION_POLICY_H_

#include <chrono>

namespace tessera::agent {

struct SupervisionPolicy {
  // Probes of the engine's health endpoint: every readiness_period until the
  // first success, then every liveness_period. A probe that has not answered
  // within probe_timeout has failed.
  std::chrono::milliseconds readiness_period{500};
  std::chrono::milliseconds liveness_period{5'000};
  std::chrono::milliseconds probe_timeout{2'000};
  // Consecutive failed liveness probes before the worker is killed and
  // restarted.
  int liveness_failure_threshold = 3;
  // From spawn to ready, unless the worker spec says otherwise. Loading a
  // 70B model from network storage takes many minutes.
  std::chrono::milliseconds startup_timeout{std::chrono::minutes(20)};

  // Restart delay: backoff_initial × 2^(failures-1), capped at backoff_max,
  // and never sooner than spawn_floor after the previous spawn.
  std::chrono::milliseconds backoff_initial{1'000};
  std::chrono::milliseconds backoff_max{std::chrono::minutes(5)};
  std::chrono::milliseconds spawn_floor{1'000};
  // A worker ready this long has its failure count forgiven.
  std::chrono::milliseconds backoff_reset_after{std::chrono::minutes(1)};
  // This many consecutive failures without becoming ready is a crash loop.
  int crash_loop_threshold = 3;

  // Draining polls the engine's in-flight request count this often.
  std::chrono::milliseconds drain_poll_period{250};
  // SIGTERM → SIGKILL.
  std::chrono::milliseconds kill_timeout{10'000};
  // A signal that could not be sent is tried again after this long.
  std::chrono::milliseconds signal_retry_period{1'000};
  // DELETE without graceSeconds, and replacing a worker whose spec changed.
  std::chrono::milliseconds default_grace{30'000};
};

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_SUPERVISOR_SUPERVISION_POLICY_H_
