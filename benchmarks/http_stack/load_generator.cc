#include "benchmarks/http_stack/load_generator.h"

#include <algorithm>
#include <utility>

#include "base/statistics.h"
#include "benchmarks/harness/error_samples.h"

namespace tessera::bench {
namespace {

constexpr size_t kMaxErrorSamples = 5;

}  // namespace

LoadGenerator::LoadGenerator(LoadConfig config)
    : config_(config),
      url_("http://127.0.0.1:" + std::to_string(config_.port) + "/v1/chat/completions?" +
           StreamWorkloadQuery(config_.workload)),
      slots_(static_cast<size_t>(config_.streams)),
      ramp_timer_(io_context_),
      window_timer_(io_context_),
      stop_timer_(io_context_),
      cpu_meter_(config_.server_pid, config_.server_core, config_.client_core) {
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
  result_.lag_p50_ms = Percentile(lags_ms_, 50);
  result_.lag_p99_ms = Percentile(lags_ms_, 99);
  result_.lag_max_ms = lags_ms_.empty() ? 0 : *std::max_element(lags_ms_.begin(), lags_ms_.end());
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
  slot.events = SseEventSplitter();
  slot.event_count = 0;
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
  slot.events.Feed(data, [&](std::string_view event) { OnEvent(slot, event, arrival); });
}

void LoadGenerator::OnEvent(Slot& slot, std::string_view data,
                            std::chrono::steady_clock::time_point arrival) {
  if (data == "[DONE]") {
    slot.done = true;
    return;
  }
  ++slot.event_count;
  if (!in_window_) return;
  ++result_.window_events;
  const std::optional<int64_t> stamp = EventStamp(data);
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
    AddErrorSample(result_.error_samples, status.ToString(), kMaxErrorSamples);
  } else if (!slot.done || slot.event_count != config_.workload.events) {
    ++result_.incomplete_streams;
    AddErrorSample(result_.error_samples,
                   "stream ended after " + std::to_string(slot.event_count) + " events" +
                       (slot.done ? "" : " without [DONE]"),
                   kMaxErrorSamples);
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
  cpu_meter_.Start();
  window_timer_.expires_at(start_ + config_.duration);
  window_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) EndWindow();
  });
}

void LoadGenerator::EndWindow() {
  in_window_ = false;
  const auto now = std::chrono::steady_clock::now();
  result_.window_seconds = std::chrono::duration<double>(now - window_start_).count();
  result_.cpu = cpu_meter_.Read();
  stopping_ = true;
  ramp_timer_.cancel();
  // Streams in flight may take one stream's length to end; then give up.
  stop_timer_.expires_at(now + config_.workload.interval * config_.workload.events +
                         std::chrono::seconds(5));
  stop_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error) return;
    result_.unfinished_streams = static_cast<int64_t>(active_);
    if (active_ > 0)
      AddErrorSample(result_.error_samples, "stream still running at the hard stop",
                     kMaxErrorSamples);
    io_context_.stop();
  });
  MaybeFinish();
}

void LoadGenerator::MaybeFinish() {
  if (!stopping_ || active_ > 0) return;
  stop_timer_.cancel();
  io_context_.stop();
}

}  // namespace tessera::bench
