// The workload both servers under test serve: per request, `events`
// OpenAI-chunk-sized SSE events one `interval` apart, then "data: [DONE]".
// Each event carries the steady-clock time it was scheduled for, so the
// load generator (on the same host, same CLOCK_MONOTONIC) can measure
// delivery lag as arrival minus schedule.

#ifndef TESSERA_BENCHMARKS_HTTP_STACK_SSE_WORKLOAD_H_
#define TESSERA_BENCHMARKS_HTTP_STACK_SSE_WORKLOAD_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace tessera::bench {

inline constexpr std::string_view kDoneEvent = "data: [DONE]\n\n";

struct StreamWorkload {
  int events = 100;
  std::chrono::milliseconds interval{20};
};

// "events=100&interval_ms=20" as sent in the request's query. Missing keys
// keep their defaults; nullopt for values out of range.
std::optional<StreamWorkload> ParseStreamWorkload(std::string_view query);
std::string StreamWorkloadQuery(const StreamWorkload& workload);

// Appends one event (about 200 bytes, like a vLLM chat.completion.chunk)
// stamped with `scheduled`.
void AppendEvent(std::string& out, std::chrono::steady_clock::time_point scheduled);

// The "t" stamp of one event's text, in steady-clock nanoseconds.
std::optional<int64_t> EventStamp(std::string_view event);

// Where a stream's events go; implemented per server stack.
class SseSink {
 public:
  virtual ~SseSink() = default;
  // False when the stream is gone; the scheduler then drops it.
  virtual bool Emit(std::string_view event) = 0;
  virtual void End() = 0;
};

// Emits the events of every stream on time, in steps of one millisecond,
// as an engine loop emits one token per running sequence per step. Runs on
// `io_context`'s thread; Add() may be called from any thread.
class SseScheduler {
 public:
  explicit SseScheduler(boost::asio::io_context& io_context);

  // The first event is due one interval from now.
  void Add(std::shared_ptr<SseSink> sink, StreamWorkload workload);

 private:
  struct Stream {
    std::chrono::steady_clock::time_point next;
    int sent = 0;
    StreamWorkload workload;
    std::shared_ptr<SseSink> sink;
  };
  struct Later {
    bool operator()(const Stream& a, const Stream& b) const { return a.next > b.next; }
  };

  void Tick();
  void ArmAt(std::chrono::steady_clock::time_point when);

  boost::asio::io_context& io_context_;
  boost::asio::steady_timer timer_;
  std::priority_queue<Stream, std::vector<Stream>, Later> streams_;
  bool ticking_ = false;
  std::chrono::steady_clock::time_point last_tick_;
  std::string event_;
};

}  // namespace tessera::bench

#endif  // TESSERA_BENCHMARKS_HTTP_STACK_SSE_WORKLOAD_H_
