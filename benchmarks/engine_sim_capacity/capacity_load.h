// One sweep point's live load: N streaming /v1/completions requests kept in
// flight against the simulator with tessera::http's client on one
// io_context (each finished stream replaced at once), measured over a
// window after a warm-up: tokens delivered, the simulator's and this
// process's CPU, the simulator's step count from /metrics, and whether the
// simulator fell behind.

#ifndef TESSERA_BENCHMARKS_ENGINE_SIM_CAPACITY_CAPACITY_LOAD_H_
#define TESSERA_BENCHMARKS_ENGINE_SIM_CAPACITY_CAPACITY_LOAD_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <sys/types.h>

#include "base/status.h"
#include "benchmarks/engine_sim_capacity/capacity_workload.h"
#include "benchmarks/harness/process_cpu.h"
#include "cli/bench/sse_event_splitter.h"
#include "http/http_client.h"

namespace tessera::bench {

// A request sent this long before the window's end and not yet answered
// with a response head counts as stalled: the simulator has not read it.
inline constexpr std::chrono::milliseconds kStalledAfter{1000};

// The simulator's core was (nearly) fully busy over `seconds` — with the
// simulator or with anyone else — and the simulator still delivered under
// 90 % of the demanded rate. `core_busy` is nullopt when it is not pinned.
bool Saturated(double seconds, int64_t tokens, double simulator_cpu_seconds,
               std::optional<double> core_busy, double demanded_tokens_per_second);

struct MetricsSample {
  std::chrono::steady_clock::time_point at;  // when the response arrived
  double latency_seconds = 0;
  double steps = 0;  // vllm:iteration_tokens_total_count
};

struct PointConfig {
  uint16_t port = 0;
  int64_t streams = 0;
  int64_t max_tokens = 0;
  std::string prompt_json;  // the prompt as a JSON string
  std::chrono::milliseconds ramp{};
  std::chrono::milliseconds warmup{};
  std::chrono::milliseconds window{};
  double demanded_tokens_per_second = 0;
  pid_t simulator_pid = 0;
  int simulator_cpu = -1;  // -1: not pinned
  int client_cpu = -1;
};

struct PointResult {
  double window_offset_seconds = 0;  // from the load's start to the window's
  double window_seconds = 0;
  int64_t window_tokens = 0;
  WindowCpu cpu;  // the simulator is the server
  double open_streams_mean = 0;
  int64_t open_streams_min = 0;
  // Requests sent over kStalledAfter before the window's end and not yet
  // answered with a response head.
  int64_t stalled_requests = 0;
  std::optional<MetricsSample> metrics_start;
  std::optional<MetricsSample> metrics_end;
  bool stopped_early = false;
  int64_t completed = 0;
  int64_t failed = 0;      // the call failed: connection, HTTP status, timeout
  int64_t incomplete = 0;  // ended OK without every token and [DONE]
  std::vector<std::string> error_samples;

  int64_t Errors() const { return failed + incomplete; }
};

class CapacityLoad {
 public:
  explicit CapacityLoad(PointConfig config);

  CapacityLoad(const CapacityLoad&) = delete;
  CapacityLoad& operator=(const CapacityLoad&) = delete;

  // Runs for warmup + window (less when the simulator saturates: from half
  // the window on, a saturated simulator ends it), then abandons the streams
  // in flight. Ends within warmup + window + 5 s whatever the simulator does.
  PointResult Run();

 private:
  using Clock = std::chrono::steady_clock;

  struct Slot {
    SseEventSplitter events;
    Clock::time_point started;
    int64_t expected = 0;
    int64_t tokens = 0;
    bool open = false;
    bool done = false;
  };

  void Ramp();
  void StartSlot(size_t index);
  void OnEvent(Slot& slot, std::string_view data);
  void OnComplete(size_t index, const Status& status);
  void BeginWindow();
  void Tick();
  void EndWindow();
  void SampleMetrics(std::optional<MetricsSample>& into, std::function<void()> then);
  void SampleError(const std::string& message);

  const PointConfig config_;
  const std::string url_;
  boost::asio::io_context io_context_{1};
  std::unique_ptr<http::HttpClient> client_;
  std::mt19937_64 random_{kSeed};
  std::vector<Slot> slots_;
  size_t started_ = 0;
  int64_t open_ = 0;
  boost::asio::steady_timer ramp_timer_;
  boost::asio::steady_timer tick_timer_;
  boost::asio::steady_timer stop_timer_;
  Clock::time_point start_;
  Clock::time_point window_start_;
  bool in_window_ = false;
  bool stopping_ = false;
  WindowCpuMeter cpu_meter_;
  double open_sum_ = 0;
  int64_t open_samples_ = 0;
  PointResult result_;
};

}  // namespace tessera::bench

#endif  // TESSERA_BENCHMARKS_ENGINE_SIM_CAPACITY_CAPACITY_LOAD_H_
