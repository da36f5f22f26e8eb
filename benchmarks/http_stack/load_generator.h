// The load generator: keeps `streams` SSE requests in flight against one
// server with tessera::http's client (each finished stream is followed at
// once by the next), and measures, over a steady-state window, delivered
// events per second, delivery lag (arrival, stamped when the bytes are
// read, minus the time the server scheduled the event), and the CPU time
// of the server process and of this one.

#ifndef TESSERA_BENCHMARKS_HTTP_STACK_LOAD_GENERATOR_H_
#define TESSERA_BENCHMARKS_HTTP_STACK_LOAD_GENERATOR_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <sys/types.h>

#include "base/status.h"
#include "benchmarks/harness/process_cpu.h"
#include "benchmarks/http_stack/sse_workload.h"
#include "cli/bench/sse_event_splitter.h"
#include "http/http_client.h"

namespace tessera::bench {

struct LoadConfig {
  uint16_t port = 0;
  int streams = 500;
  StreamWorkload workload;
  // Slots start evenly spread over the ramp.
  std::chrono::milliseconds ramp{1000};
  // The measurement window is [warmup, duration) after the start; no new
  // request starts after it, and streams in flight then run to their end.
  std::chrono::milliseconds warmup{2000};
  std::chrono::milliseconds duration{10000};
  // 0: the server's CPU is not measured.
  pid_t server_pid = 0;
  // The CPUs the server and this process are pinned to, whose busy time is
  // measured; -1 for none.
  int server_core = -1;
  int client_core = -1;
};

struct LoadResult {
  double window_seconds = 0;
  int64_t window_events = 0;
  WindowCpu cpu;
  // Delivery lag of the window's events, in milliseconds.
  double lag_p50_ms = 0;
  double lag_p99_ms = 0;
  double lag_max_ms = 0;
  int64_t completed_streams = 0;
  int64_t failed_streams = 0;              // the call failed
  int64_t incomplete_streams = 0;          // ended without every event and [DONE]
  int64_t unfinished_streams = 0;          // still running at the hard stop
  std::vector<std::string> error_samples;  // a few distinct messages

  int64_t errors() const { return failed_streams + incomplete_streams + unfinished_streams; }
};

class LoadGenerator {
 public:
  explicit LoadGenerator(LoadConfig config);

  LoadGenerator(const LoadGenerator&) = delete;
  LoadGenerator& operator=(const LoadGenerator&) = delete;

  // Runs the load to its end; at most duration + one stream's length + 5 s.
  LoadResult Run();

 private:
  struct Slot {
    std::shared_ptr<http::HttpCall> call;
    SseEventSplitter events;
    int event_count = 0;
    bool done = false;
  };

  void Ramp();
  void StartSlot(size_t index);
  void OnBody(size_t index, std::string_view data, std::chrono::steady_clock::time_point arrival);
  void OnEvent(Slot& slot, std::string_view data, std::chrono::steady_clock::time_point arrival);
  void OnComplete(size_t index, const Status& status);
  void BeginWindow();
  void EndWindow();
  void MaybeFinish();

  const LoadConfig config_;
  const std::string url_;
  boost::asio::io_context io_context_{1};
  std::unique_ptr<http::HttpClient> client_;
  std::vector<Slot> slots_;
  size_t started_slots_ = 0;
  size_t active_ = 0;
  boost::asio::steady_timer ramp_timer_;
  boost::asio::steady_timer window_timer_;
  boost::asio::steady_timer stop_timer_;
  std::chrono::steady_clock::time_point start_;
  bool in_window_ = false;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point window_start_;
  WindowCpuMeter cpu_meter_;
  std::vector<double> lags_ms_;
  LoadResult result_;
};

}  // namespace tessera::bench

#endif  // TESSERA_BENCHMARKS_HTTP_STACK_LOAD_GENERATOR_H_
