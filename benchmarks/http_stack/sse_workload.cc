#include "benchmarks/http_stack/sse_workload.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

#include <boost/asio/post.hpp>

#include "base/numbers.h"

namespace tessera::bench {
namespace {

constexpr std::chrono::milliseconds kStep{1};

}  // namespace

std::optional<StreamWorkload> ParseStreamWorkload(std::string_view query) {
  StreamWorkload workload;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    const std::optional<int> value = ParseInteger<int>(pair.substr(eq + 1));
    if (!value) return std::nullopt;
    if (pair.substr(0, eq) == "events") workload.events = *value;
    if (pair.substr(0, eq) == "interval_ms") workload.interval = std::chrono::milliseconds(*value);
  }
  if (workload.events < 1 || workload.events > 100'000 || workload.interval.count() < 1) {
    return std::nullopt;
  }
  return workload;
}

std::string StreamWorkloadQuery(const StreamWorkload& workload) {
  return "events=" + std::to_string(workload.events) +
         "&interval_ms=" + std::to_string(workload.interval.count());
}

void AppendEvent(std::string& out, std::chrono::steady_clock::time_point scheduled) {
  out += R"(data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,)"
         R"("model":"bench","choices":[{"index":0,"delta":{"content":" token"},)"
         R"("finish_reason":null}],"t":)";
  std::array<char, 24> digits{};
  const auto result = std::to_chars(
      digits.data(), digits.data() + digits.size(),
      std::chrono::duration_cast<std::chrono::nanoseconds>(scheduled.time_since_epoch()).count());
  out.append(digits.data(), result.ptr);
  out += "}\n\n";
}

std::optional<int64_t> EventStamp(std::string_view event) {
  constexpr std::string_view kKey = R"("t":)";
  const size_t at = event.rfind(kKey);
  if (at == std::string_view::npos) return std::nullopt;
  const char* begin = event.data() + at + kKey.size();
  int64_t stamp = 0;
  const auto [end, error] = std::from_chars(begin, event.data() + event.size(), stamp);
  if (error != std::errc() || end == begin) return std::nullopt;
  return stamp;
}

SseScheduler::SseScheduler(boost::asio::io_context& io_context)
    : io_context_(io_context), timer_(io_context) {}

void SseScheduler::Add(std::shared_ptr<SseSink> sink, StreamWorkload workload) {
  boost::asio::post(io_context_, [this, sink = std::move(sink), workload] {
    streams_.push(Stream{.next = std::chrono::steady_clock::now() + workload.interval,
                         .sent = 0,
                         .workload = workload,
                         .sink = sink});
    if (!ticking_) ArmAt(std::chrono::steady_clock::now() + kStep);
  });
}

void SseScheduler::ArmAt(std::chrono::steady_clock::time_point when) {
  ticking_ = true;
  last_tick_ = when;
  timer_.expires_at(when);
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (error) return;
    Tick();
  });
}

void SseScheduler::Tick() {
  const std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now();
  while (!streams_.empty() && streams_.top().next <= now) {
    Stream stream = streams_.top();
    streams_.pop();
    event_.clear();
    AppendEvent(event_, stream.next);
    if (!stream.sink->Emit(event_)) continue;
    if (++stream.sent == stream.workload.events) {
      stream.sink->Emit(kDoneEvent);
      stream.sink->End();
      continue;
    }
    stream.next += stream.workload.interval;
    streams_.push(std::move(stream));
  }
  if (streams_.empty()) {
    ticking_ = false;
    return;
  }
  // An overloaded server falls behind rather than ticking back to back.
  ArmAt(std::max(last_tick_ + kStep, now));
}

}  // namespace tessera::bench
