#include "benchmarks/http_stack/load_generator.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace tessera::bench {
namespace {

constexpr size_t kMaxErrorSamples = 5;

double PercentileOfSorted(const std::vector<double>& sorted, double percentile) {
  if (sorted.empty()) return 0;
  const double rank = percentile / 100.0 * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<size_t>(std::floor(rank));
  const size_t above = std::min(below + 1, sorted.size() - 1);
  const double fraction = rank - static_cast<double>(below);
  return sorted[below] + (sorted[above] - sorted[below]) * fraction;
}

}  // namespace

LoadGenerator::LoadGenerator(LoadConfig config)
    : config_(config),
      url_("http://127.0.0.1:" + std::to_string(config_.port) + "/v1/chat/completions?" +
           StreamWorkloadQuery(config_.workload)),
      slots_(static_cast<size_t>(config_.streams)),
      ramp_timer_(io_context_),
      window_timer_(io_context_),
      stop_timer_(io_context_) {
  http::HttpClientOptions options;
  options.connect_timeout = std::chrono::seconds(10);
  options.read_timeout = std::chrono::seconds(30);
  options.max_idle_connections_per_host = static_cast<size_t>(config_.streams);
  options.pool_idle_timeout = std::chrono::seconds(30);
  client_ = std::make_unique<http::HttpClient>(io_context_, options);
}

LoadResult LoadGenerator::Run() {
  start_ = std::chrono::steady_clock::now();
  Ramp();
  window_timer_.expires_at(start_ + config_.warmup);
  window_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) BeginWindow();
  });
  io_context_.run();
  client_.reset();
  std::sort(lags_ms_.begin(), lags_ms_.end());
  result_.lag_p50_ms = PercentileOfSorted(lags_ms_, 50);
  result_.lag_p99_ms = PercentileOfSorted(lags_ms_, 99);
  result_.lag_max_ms = lags_ms_.empty() ? 0 : lags_ms_.back();
  return result_;
}

void LoadGenerator::Ramp() {
  const auto now = std::chrono::steady_clock::now();
  const auto elapsed = now - start_;
  // Slots due by now, spread evenly over the ramp.
  const auto due = static_cast<size_t>(std::min<double>(
      static_cast<double>(slots_.size()),
      static_cast<double>(slots_.size()) * std::chrono::duration<double>(elapsed).count() /
              std::chrono::duration<double>(config_.ramp).count() +
          1));
  while (started_slots_ < due) StartSlot(started_slots_++);
  if (started_slots_ < slots_.size()) {
    ramp_timer_.expires_at(now + std::chrono::milliseconds(1));
    ramp_timer_.async_wait([this](const boost::system::error_code& error) {
      if (!error) Ramp();
    });
  }
}

void LoadGenerator::StartSlot(size_t index) {
  Slot& slot = slots_[index];
  slot.pending.clear();
  slot.events = 0;
  slot.done = false;
  ++active_;
  http::HttpCallHandlers handlers;
  handlers.on_body = [this, index](std::string_view data,
                                   std::chrono::steady_clock::time_point arrival) {
    OnBody(index, data, arrival);
  };
  handlers.on_complete = [this, index](const Status& status) { OnComplete(index, status); };
  slot.call = client_->Start(
      http::HttpClientRequest::PostJson(
          url_, R"({"model":"tessera-bench","messages":[{"role":"user","content":"hi"}],)"
                R"("stream":true})"),
      std::move(handlers));
}

void LoadGenerator::OnBody(size_t index, std::string_view data,
                           std::chrono::steady_clock::time_point arrival) {
  Slot& slot = slots_[index];
  std::string_view text = data;
  if (!slot.pending.empty()) {
    slot.pending += data;
    text = slot.pending;
  }
  size_t consumed = 0;
  for (size_t end = text.find("\n\n"); end != std::string_view::npos;
       end = text.find("\n\n", consumed)) {
    OnEvent(slot, text.substr(consumed, end - consumed), arrival);
    consumed = end + 2;
  }
  if (slot.pending.empty()) {
    slot.pending.assign(text.substr(consumed));
  } else {
    slot.pending.erase(0, consumed);
  }
}

void LoadGenerator::OnEvent(Slot& slot, std::string_view event,
                            std::chrono::steady_clock::time_point arrival) {
  if (event == kDoneEvent.substr(0, kDoneEvent.size() - 2)) {
    slot.done = true;
    return;
  }
  ++slot.events;
  if (!in_window_) return;
  ++result_.window_events;
  const std::optional<int64_t> stamp = EventStamp(event);
  if (!stamp) return;
  const auto arrived =
      std::chrono::duration_cast<std::chrono::nanoseconds>(arrival.time_since_epoch()).count();
  lags_ms_.push_back(static_cast<double>(arrived - *stamp) / 1e6);
}

void LoadGenerator::OnComplete(size_t index, const Status& status) {
  Slot& slot = slots_[index];
  slot.call.reset();
  --active_;
  if (!status.ok()) {
    ++result_.failed_streams;
    SampleError(status.ToString());
  } else if (!slot.done || slot.events != config_.workload.events) {
    ++result_.incomplete_streams;
    SampleError("stream ended after " + std::to_string(slot.events) + " events" +
                (slot.done ? "" : " without [DONE]"));
  } else {
    ++result_.completed_streams;
  }
  if (!stopping_) {
    StartSlot(index);
  } else {
    MaybeFinish();
  }
}

void LoadGenerator::BeginWindow() {
  in_window_ = true;
  window_start_ = std::chrono::steady_clock::now();
  if (config_.server_pid != 0) server_cpu_start_ = ProcessCpuSeconds(config_.server_pid);
  client_cpu_start_ = SelfCpuSeconds();
  if (config_.server_core >= 0) server_core_start_ = ReadCoreSeconds(config_.server_core);
  if (config_.client_core >= 0) client_core_start_ = ReadCoreSeconds(config_.client_core);
  window_timer_.expires_at(start_ + config_.duration);
  window_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) EndWindow();
  });
}

void LoadGenerator::EndWindow() {
  in_window_ = false;
  const auto now = std::chrono::steady_clock::now();
  result_.window_seconds = std::chrono::duration<double>(now - window_start_).count();
  result_.client_cpu_seconds = SelfCpuSeconds() - client_cpu_start_;
  if (server_cpu_start_) {
    const std::optional<double> server_cpu_end = ProcessCpuSeconds(config_.server_pid);
    if (server_cpu_end) result_.server_cpu_seconds = *server_cpu_end - *server_cpu_start_;
  }
  const auto busy_fraction = [](const std::optional<CoreSeconds>& start,
                                int core) -> std::optional<double> {
    if (!start) return std::nullopt;
    const std::optional<CoreSeconds> end = ReadCoreSeconds(core);
    if (!end || end->total <= start->total) return std::nullopt;
    return (end->busy - start->busy) / (end->total - start->total);
  };
  result_.server_core_busy = busy_fraction(server_core_start_, config_.server_core);
  result_.client_core_busy = busy_fraction(client_core_start_, config_.client_core);
  stopping_ = true;
  ramp_timer_.cancel();
  // Streams in flight may take one stream's length to end; then give up.
  stop_timer_.expires_at(now + config_.workload.interval * config_.workload.events +
                         std::chrono::seconds(5));
  stop_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error) return;
    result_.unfinished_streams = static_cast<int64_t>(active_);
    if (active_ > 0) SampleError("stream still running at the hard stop");
    io_context_.stop();
  });
  MaybeFinish();
}

void LoadGenerator::MaybeFinish() {
  if (!stopping_ || active_ > 0) return;
  stop_timer_.cancel();
  io_context_.stop();
}

void LoadGenerator::SampleError(const std::string& message) {
  if (result_.error_samples.size() >= kMaxErrorSamples) return;
  if (std::find(result_.error_samples.begin(), result_.error_samples.end(), message) !=
      result_.error_samples.end()) {
    return;
  }
  result_.error_samples.push_back(message);
}

}  // namespace tessera::bench
