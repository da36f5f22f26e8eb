// A Supervisor on fakes: a fake clock and timers, processes in a table,
// HTTP answered by the test, a simulated node with one MI300X in CPX/NPS4
// (partitions 0-7), and a state directory of its own under /tmp.

#ifndef TESSERA_TESTS_UNIT_AGENT_FAKES_SUPERVISOR_HARNESS_H_
#define TESSERA_TESTS_UNIT_AGENT_FAKES_SUPERVISOR_HARNESS_H_

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "agent/gpu/sim_gpu_backend.h"
#include "agent/supervisor/supervisor.h"
#include "base/clock.h"
#include "base/logging.h"
#include "tests/unit/agent/fakes/fake_http_fetcher.h"
#include "tests/unit/agent/fakes/fake_process_launcher.h"
#include "tests/unit/agent/fakes/fake_timer_factory.h"

namespace tessera::agent::testing {

class SupervisorHarness {
 public:
  SupervisorHarness();
  SupervisorHarness(const SupervisorHarness&) = delete;
  SupervisorHarness& operator=(const SupervisorHarness&) = delete;
  ~SupervisorHarness();

  // Engines "sim" (the simulator, vLLM's face), "vllm" and
  // "tessera-router"; ports from 20000; the policy's defaults; the agent's
  // token in /etc/tessera/agent-token.
  SupervisorOptions DefaultOptions() const;
  // A supervisor on this harness's fakes and state directory; several in
  // turn stand for an agent restarted on the same node. `gpus_override`
  // replaces the simulated node when given.
  std::unique_ptr<Supervisor> Make(const SupervisorOptions& options,
                                   GpuBackend* gpus_override = nullptr);
  std::unique_ptr<Supervisor> Make() { return Make(DefaultOptions()); }

  // A spec for the "sim" engine on `partitions`.
  static wire::WorkerSpec SimSpec(std::vector<int> partitions = {0});
  // A router for the same deployment ("tessera-router", no partitions).
  static wire::WorkerSpec RouterSpec();

  // Moves time on by `duration`, firing the supervisor's timers on the way.
  void Advance(std::chrono::nanoseconds duration) { timers.Advance(duration); }

  std::filesystem::path root;
  boost::asio::io_context loop;
  FakeClock clock;
  FakeTimerFactory timers{clock};
  FakeProcessLauncher processes;
  FakeHttpFetcher health_probes;
  FakeHttpFetcher engine_metrics;
  SimGpuBackend gpus;
  // Ports something else on the node listens on.
  std::set<int> ports_in_use;
  std::shared_ptr<CapturingLogSink> log = std::make_shared<CapturingLogSink>();
};

}  // namespace tessera::agent::testing

#endif  // TESSERA_TESTS_UNIT_AGENT_FAKES_SUPERVISOR_HARNESS_H_
