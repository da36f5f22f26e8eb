#include "benchmarks/engine_sim_capacity/capacity_load.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "benchmarks/harness/error_samples.h"

namespace tessera::bench {
namespace {

using Clock = std::chrono::steady_clock;

// A point counts as saturated when the simulator used this share of its core
// and delivered less than kOnScheduleShare of the demanded rate.
constexpr double kSaturatedCpuShare = 0.95;
constexpr double kOnScheduleShare = 0.90;
constexpr size_t kMaxErrorSamples = 3;

// The value of the first sample of `name` in a Prometheus text exposition.
std::optional<double> MetricValue(std::string_view text, std::string_view name) {
  for (size_t at = text.find(name); at != std::string_view::npos; at = text.find(name, at + 1)) {
    if (at != 0 && text[at - 1] != '\n') continue;
    const char next = at + name.size() < text.size() ? text[at + name.size()] : '\n';
    if (next != '{' && next != ' ') continue;
    const size_t end = text.find('\n', at);
    const std::string_view line = text.substr(at, end - at);
    return std::strtod(std::string(line.substr(line.rfind(' ') + 1)).c_str(), nullptr);
  }
  return std::nullopt;
}

}  // namespace

bool Saturated(double seconds, int64_t tokens, double simulator_cpu_seconds,
               std::optional<double> core_busy, double demanded_tokens_per_second) {
  if (seconds <= 0) return false;
  const double busy = std::max(simulator_cpu_seconds / seconds, core_busy.value_or(0));
  return busy >= kSaturatedCpuShare &&
         static_cast<double>(tokens) / seconds < kOnScheduleShare * demanded_tokens_per_second;
}

CapacityLoad::CapacityLoad(PointConfig config)
    : config_(std::move(config)),
      url_("http://127.0.0.1:" + std::to_string(config_.port) + "/v1/completions"),
      slots_(static_cast<size_t>(config_.streams)),
      ramp_timer_(io_context_),
      tick_timer_(io_context_),
      stop_timer_(io_context_),
      cpu_meter_(config_.simulator_pid, config_.simulator_cpu, config_.client_cpu) {
  http::HttpClientOptions options;
  options.connect_timeout = std::chrono::seconds(5);
  options.read_timeout = std::chrono::seconds(10);
  options.pool_idle_timeout = std::chrono::seconds(60);
  options.max_idle_connections_per_host = static_cast<size_t>(config_.streams) + 4;
  client_ = std::make_unique<http::HttpClient>(io_context_, options);
  result_.open_streams_min = config_.streams;
}

PointResult CapacityLoad::Run() {
  start_ = Clock::now();
  Ramp();
  tick_timer_.expires_at(start_ + config_.warmup);
  tick_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) BeginWindow();
  });
  // However the simulator behaves, the point ends.
  stop_timer_.expires_at(start_ + config_.warmup + config_.window + std::chrono::seconds(5));
  stop_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error) return;
    SampleError("hard stop: the window did not end in time");
    io_context_.stop();
  });
  io_context_.run();
  client_.reset();  // abandons the streams still in flight
  return result_;
}

void CapacityLoad::Ramp() {
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  const double ramp = std::chrono::duration<double>(config_.ramp).count();
  const auto due = std::min(
      slots_.size(), static_cast<size_t>(static_cast<double>(slots_.size()) * elapsed / ramp) + 1);
  while (started_ < due) StartSlot(started_++);
  if (started_ < slots_.size()) {
    ramp_timer_.expires_after(std::chrono::milliseconds(2));
    ramp_timer_.async_wait([this](const boost::system::error_code& error) {
      if (!error) Ramp();
    });
  }
}

void CapacityLoad::StartSlot(size_t index) {
  Slot& slot = slots_[index];
  slot = Slot{};
  slot.started = Clock::now();
  slot.expected = DrawMaxTokens(random_, config_.max_tokens);
  std::string body = R"({"model":")";
  body += kModel;
  body += R"(","prompt":)";
  body += config_.prompt_json;
  body += R"(,"max_tokens":)";
  body += std::to_string(slot.expected);
  body += R"(,"stream":true,"ignore_eos":true})";
  http::HttpCallHandlers handlers;
  handlers.on_head = [this, index](const http::HttpResponseHead& head) {
    if (head.status != 200) return;
    slots_[index].open = true;
    ++open_;
  };
  handlers.on_body = [this, index](std::string_view data, Clock::time_point /*arrival*/) {
    Slot& receiving = slots_[index];
    receiving.events.Feed(data, [&](std::string_view event) { OnEvent(receiving, event); });
  };
  handlers.on_complete = [this, index](const Status& status) { OnComplete(index, status); };
  client_->Start(http::HttpClientRequest::PostJson(url_, std::move(body)), std::move(handlers));
}

void CapacityLoad::OnEvent(Slot& slot, std::string_view data) {
  if (data == "[DONE]") {
    slot.done = true;
    return;
  }
  // A token is a chunk with a choice; a usage chunk has "choices":[].
  if (data.find(R"("choices":[{)") == std::string_view::npos) return;
  ++slot.tokens;
  if (in_window_) ++result_.window_tokens;
}

void CapacityLoad::OnComplete(size_t index, const Status& status) {
  Slot& slot = slots_[index];
  if (slot.open) --open_;
  if (!status.ok()) {
    ++result_.failed;
    SampleError(status.ToString());
  } else if (!slot.done || slot.tokens != slot.expected) {
    ++result_.incomplete;
    SampleError("a stream ended after " + std::to_string(slot.tokens) + " of " +
                std::to_string(slot.expected) + " tokens" + (slot.done ? "" : " without [DONE]"));
  } else {
    ++result_.completed;
  }
  if (!stopping_) StartSlot(index);
}

void CapacityLoad::SampleMetrics(std::optional<MetricsSample>& into, std::function<void()> then) {
  const Clock::time_point requested = Clock::now();
  client_->Fetch(http::HttpClientRequest{.url = "http://127.0.0.1:" + std::to_string(config_.port) +
                                                "/metrics"},
                 [this, &into, requested,
                  then = std::move(then)](StatusOr<http::HttpClientResponse> response) {
                   if (response.ok()) {
                     const std::string_view text = response->body;
                     const std::optional<double> steps =
                         MetricValue(text, "vllm:iteration_tokens_total_count");
                     if (steps) {
                       const Clock::time_point now = Clock::now();
                       into =
                           MetricsSample{.at = now,
                                         .latency_seconds =
                                             std::chrono::duration<double>(now - requested).count(),
                                         .steps = *steps};
                     }
                   } else {
                     SampleError("/metrics: " + response.status().ToString());
                   }
                   if (then) then();
                 });
}

void CapacityLoad::BeginWindow() {
  in_window_ = true;
  window_start_ = Clock::now();
  result_.window_offset_seconds = std::chrono::duration<double>(window_start_ - start_).count();
  cpu_meter_.Start();
  SampleMetrics(result_.metrics_start, nullptr);
  Tick();
}

void CapacityLoad::Tick() {
  const auto now = Clock::now();
  const double elapsed = std::chrono::duration<double>(now - window_start_).count();
  if (elapsed > 0.1) {
    open_sum_ += static_cast<double>(open_);
    ++open_samples_;
    result_.open_streams_min = std::min(result_.open_streams_min, open_);
  }
  // Stop early once the simulator has clearly saturated its core: a full
  // core for at least half the window while behind its timeline.
  const double window = std::chrono::duration<double>(config_.window).count();
  if (elapsed >= window / 2 && elapsed < window) {
    const WindowCpu cpu = cpu_meter_.Read();
    if (Saturated(elapsed, result_.window_tokens, cpu.server_cpu_seconds.value_or(0),
                  cpu.server_core_busy, config_.demanded_tokens_per_second)) {
      result_.stopped_early = true;
      EndWindow();
      return;
    }
  }
  if (now >= window_start_ + config_.window) {
    EndWindow();
    return;
  }
  tick_timer_.expires_at(
      std::min(now + std::chrono::milliseconds(250), window_start_ + config_.window));
  tick_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) Tick();
  });
}

void CapacityLoad::EndWindow() {
  in_window_ = false;
  result_.window_seconds = std::chrono::duration<double>(Clock::now() - window_start_).count();
  result_.cpu = cpu_meter_.Read();
  result_.open_streams_mean = open_samples_ > 0 ? open_sum_ / static_cast<double>(open_samples_)
                                                : static_cast<double>(open_);
  for (const Slot& slot : slots_) {
    if (!slot.open && slot.started != Clock::time_point{} &&
        Clock::now() - slot.started > kStalledAfter) {
      ++result_.stalled_requests;
    }
  }
  stopping_ = true;
  ramp_timer_.cancel();
  SampleMetrics(result_.metrics_end, [this] {
    stop_timer_.cancel();
    io_context_.stop();
  });
}

void CapacityLoad::SampleError(const std::string& message) {
  AddErrorSample(result_.error_samples, message, kMaxErrorSamples);
}

}  // namespace tessera::bench
