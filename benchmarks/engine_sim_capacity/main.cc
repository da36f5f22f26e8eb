// engine-sim-capacity: how much load one tessera-engine-sim process carries
// on one core. Starts the simulator pinned to one CPU with an engine
// configuration that admits thousands of sequences, drives it with
// tessera::http's client from this process pinned to another CPU (N
// streaming /v1/completions requests kept in flight, each finished one
// replaced at once), and prints, per stream count and time scale, the token
// rate the simulated steps demand, the rate delivered, and the simulator's
// CPU time per token. See docs/engine-simulator.md, "Capacity".
//
//   engine-sim-capacity [--simulator PATH] [--streams 500,2000,4000]
//                       [--demand 20000,50000,100000,200000] [--max-tokens 128]
//                       [--warmup-ms 2000] [--window-ms 6000]
//                       [--simulator-cpu 0] [--client-cpu 1]
//
// Each point's time scale is chosen so that the steady state of N closed-loop
// clients, run on the same engine in virtual time (EngineCore stepped
// directly, as the calibration benchmark does), delivers the --demand target.
// The demanded rate printed is that of the point's own schedule (ramp,
// warm-up, window) replayed in virtual time: what the simulator's timeline
// calls for in the measured window. A stream count's ladder of demands stops
// at the first point where the simulator saturates its core.

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/status.h"
#include "base/text_table.h"
#include "engine/openai/response_writer.h"
#include "engine/simulator/engine_core.h"
#include "engine/simulator/simulator_options.h"
#include "engine/tokenizer/stand_in_tokenizer.h"
#include "http/http_client.h"

namespace tessera::bench {
namespace {

using Clock = std::chrono::steady_clock;
using Milliseconds = std::chrono::milliseconds;

// The engine the simulator runs for this benchmark. llama-3.1-8b with an fp8
// KV cache on an MI355X holds 7,583 sequences of 512 tokens, so the KV cache
// never limits the stream counts swept; the batch budget admits a whole wave
// of short prompts in one step.
constexpr std::string_view kEngineFlags =
    "--model llama-3.1-8b --hardware mi355x --kv-cache-dtype fp8 --max-model-len 512 "
    "--max-num-seqs 8192 --max-num-batched-tokens 65536 --no-enable-prefix-caching";
constexpr std::string_view kModel = "llama-3.1-8b";
constexpr int64_t kPromptTokens = 16;
constexpr uint64_t kSeed = 7;
// A point counts as saturated when the simulator used this share of its core
// and delivered less than kOnScheduleShare of the demanded rate.
constexpr double kSaturatedCpuShare = 0.95;
constexpr double kOnScheduleShare = 0.90;
// The whole run stops starting sweep points after this long.
constexpr std::chrono::seconds kRunBudget{105};
constexpr size_t kMaxErrorSamples = 3;
constexpr Milliseconds kStalledAfter{1000};
// A /metrics answer later than this is too late to time the window's steps.
constexpr double kMetricsLatencyLimit = 0.5;

struct Options {
  std::string simulator;
  std::vector<int64_t> streams = {500, 2000, 4000};
  std::vector<int64_t> demands = {20'000, 50'000, 100'000, 200'000};
  int64_t max_tokens = 128;  // mean; each request asks for uniform [max/2, 3·max/2]
  Milliseconds ramp{500};
  Milliseconds warmup{2000};
  Milliseconds window{6000};
  int simulator_cpu = 0;
  int client_cpu = 1;
};

std::vector<std::string> SplitWords(std::string_view text) {
  std::vector<std::string> words;
  std::istringstream stream{std::string(text)};
  for (std::string word; stream >> word;) words.push_back(word);
  return words;
}

// ---------------------------------------------------------------------------
// Process and CPU accounting.

// User + system CPU seconds of `pid`, from /proc/<pid>/stat.
std::optional<double> ProcessCpuSeconds(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(file, stat);
  // Fields after the parenthesised command name: state is 3, utime 14, stime 15.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  double ticks = 0;
  for (int index = 3; index <= 15 && fields >> field; ++index) {
    if (index >= 14) ticks += std::strtod(field.c_str(), nullptr);
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double SelfCpuSeconds() {
  timespec now{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

// Busy and total ticks of one CPU since boot, from /proc/stat: how busy the
// core was by anyone, which shows other processes competing for it.
struct CoreTicks {
  double busy = 0;
  double total = 0;
};

std::optional<CoreTicks> ReadCoreTicks(int cpu) {
  std::ifstream file("/proc/stat");
  const std::string label = "cpu" + std::to_string(cpu);
  std::string line;
  while (std::getline(file, line)) {
    std::istringstream fields(line);
    std::string name;
    fields >> name;
    if (name != label) continue;
    CoreTicks ticks;
    double value = 0;
    // user nice system idle iowait irq softirq steal
    for (int index = 0; index < 8 && fields >> value; ++index) {
      ticks.total += value;
      if (index != 3 && index != 4) ticks.busy += value;
    }
    return ticks;
  }
  return std::nullopt;
}

std::optional<double> BusyShare(const std::optional<CoreTicks>& start, int cpu) {
  const std::optional<CoreTicks> end = ReadCoreTicks(cpu);
  if (!start || !end || end->total <= start->total) return std::nullopt;
  return (end->busy - start->busy) / (end->total - start->total);
}

bool PinToCpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<size_t>(cpu), &set);
  return ::sched_setaffinity(0, sizeof(set), &set) == 0;
}

void RaiseFileLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    limit.rlim_cur = limit.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

std::string DirectoryOfSelf() {
  std::array<char, 4096> path{};
  const ssize_t length = ::readlink("/proc/self/exe", path.data(), path.size() - 1);
  if (length <= 0) return ".";
  const std::string self(path.data(), static_cast<size_t>(length));
  return self.substr(0, self.rfind('/'));
}

// A tessera-engine-sim child with its log in a temporary file. Killed when
// this object goes, and by the kernel if this process dies first.
class SimulatorProcess {
 public:
  static StatusOr<std::unique_ptr<SimulatorProcess>> Start(const std::string& binary,
                                                           std::vector<std::string> args, int cpu);

  SimulatorProcess(const SimulatorProcess&) = delete;
  SimulatorProcess& operator=(const SimulatorProcess&) = delete;
  ~SimulatorProcess() {
    Kill();
    (void)::unlink(log_path_.c_str());
  }

  pid_t Pid() const { return pid_; }
  uint16_t Port() const { return port_; }
  double MaxConcurrency() const { return max_concurrency_; }
  void Kill() {
    if (pid_ <= 0) return;
    (void)::kill(pid_, SIGKILL);
    (void)::waitpid(pid_, nullptr, 0);
    pid_ = 0;
  }

 private:
  SimulatorProcess(pid_t pid, std::string log_path) : pid_(pid), log_path_(std::move(log_path)) {}

  // Waits for the "engine ready" log line and reads the port and the
  // engine's maximum concurrency from the log.
  Status AwaitReady(std::chrono::seconds limit);
  std::string Log() const;

  pid_t pid_ = 0;
  std::string log_path_;
  uint16_t port_ = 0;
  double max_concurrency_ = 0;
};

StatusOr<std::unique_ptr<SimulatorProcess>> SimulatorProcess::Start(const std::string& binary,
                                                                    std::vector<std::string> args,
                                                                    int cpu) {
  std::string log_path = "/tmp/engine-sim-capacity-XXXXXX";
  const int log_fd = ::mkstemp(log_path.data());
  if (log_fd < 0) return InternalError("cannot create a log file in /tmp");
  args.insert(args.begin(), binary);
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    return InternalError("fork failed");
  }
  if (pid == 0) {
    // Dies with this process, whatever ends it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(log_fd, STDERR_FILENO);
    ::dup2(log_fd, STDOUT_FILENO);
    ::close(log_fd);
    if (cpu >= 0) PinToCpu(cpu);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(log_fd);
  std::unique_ptr<SimulatorProcess> process(new SimulatorProcess(pid, std::move(log_path)));
  if (Status ready = process->AwaitReady(std::chrono::seconds(10)); !ready.ok()) return ready;
  return process;
}

std::string SimulatorProcess::Log() const {
  std::ifstream file(log_path_);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

// The number after `key=` in `line`.
std::optional<double> LogField(std::string_view line, std::string_view key) {
  const size_t at = line.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  return std::strtod(std::string(line.substr(at + key.size())).c_str(), nullptr);
}

Status SimulatorProcess::AwaitReady(std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      return UnavailableError("tessera-engine-sim exited before it was ready:\n" + Log());
    }
    const std::string log = Log();
    std::istringstream lines(log);
    std::string line;
    bool ready = false;
    while (std::getline(lines, line)) {
      if (line.find("msg=listening") != std::string::npos) {
        port_ = static_cast<uint16_t>(LogField(line, " port=").value_or(0));
      } else if (line.find("msg=\"engine ready\"") != std::string::npos) {
        max_concurrency_ = LogField(line, " max_concurrency=").value_or(0);
        ready = true;
      }
    }
    if (ready && port_ != 0) return OkStatus();
    ::usleep(20'000);
  }
  return DeadlineExceededError("tessera-engine-sim was not ready after " +
                               std::to_string(limit.count()) + " s:\n" + Log());
}

// ---------------------------------------------------------------------------
// What the simulated steps demand: the same engine and closed loop in
// virtual time.

struct Reference {
  double tokens_per_simulated_second = 0;
  double mean_step_seconds = 0;
  double tokens_per_step = 0;
  // This process's CPU per token for EngineCore::Step alone, without HTTP,
  // JSON or metrics: the engine model's share of the simulator's cost.
  double core_cpu_microseconds_per_token = 0;
};

int64_t DrawMaxTokens(std::mt19937_64& random, int64_t mean) {
  return std::uniform_int_distribution<int64_t>(mean / 2, mean + mean / 2)(random);
}

// The load's clients against an EngineCore in virtual time: requests as the
// HTTP clients send them, and each finished request replaced by a new one.
class VirtualClients {
 public:
  static StatusOr<VirtualClients> Create(const simulator::EngineConfig& config, int64_t max_tokens,
                                         const std::string& prompt) {
    StatusOr<std::unique_ptr<simulator::EngineCore>> engine = simulator::EngineCore::Create(config);
    if (!engine.ok()) return engine.status();
    return VirtualClients(*std::move(engine), max_tokens, tokenizer::Tokenize(prompt));
  }

  Status Add() {
    simulator::EngineRequest request;
    request.id = std::to_string(next_id_++);
    request.prompt = prompt_;
    request.max_output_tokens = DrawMaxTokens(random_, max_tokens_);
    return engine_->Add(std::move(request));
  }

  // Runs one step. A finished request's replacement reaches the server
  // while the next step is already planned, so it joins the step after.
  StatusOr<simulator::StepOutcome> Step() {
    simulator::StepOutcome outcome = engine_->Step();
    for (; finished_last_step_ > 0; --finished_last_step_) TESSERA_RETURN_IF_ERROR(Add());
    for (const simulator::TokenEvent& event : outcome.tokens) {
      if (event.finish != simulator::FinishReason::kNone) ++finished_last_step_;
    }
    return outcome;
  }

  bool Idle() const { return engine_->idle(); }

 private:
  VirtualClients(std::unique_ptr<simulator::EngineCore> engine, int64_t max_tokens,
                 std::vector<tokenizer::TokenId> prompt)
      : engine_(std::move(engine)), max_tokens_(max_tokens), prompt_(std::move(prompt)) {}

  std::unique_ptr<simulator::EngineCore> engine_;
  int64_t max_tokens_;
  std::vector<tokenizer::TokenId> prompt_;
  std::mt19937_64 random_{kSeed};
  int64_t next_id_ = 0;
  int64_t finished_last_step_ = 0;
};

StatusOr<Reference> RunReference(const simulator::EngineConfig& config, int64_t streams,
                                 int64_t max_tokens, const std::string& prompt) {
  TESSERA_ASSIGN_OR_RETURN(VirtualClients clients,
                           VirtualClients::Create(config, max_tokens, prompt));
  for (int64_t i = 0; i < streams; ++i) TESSERA_RETURN_IF_ERROR(clients.Add());
  const int64_t warmup_steps = 2 * max_tokens;
  const int64_t measured_steps = max_tokens;
  double seconds = 0;
  int64_t tokens = 0;
  double cpu_start = 0;
  for (int64_t step = 0; step < warmup_steps + measured_steps && !clients.Idle(); ++step) {
    if (step == warmup_steps) cpu_start = SelfCpuSeconds();
    TESSERA_ASSIGN_OR_RETURN(const simulator::StepOutcome outcome, clients.Step());
    if (step >= warmup_steps) {
      seconds += outcome.seconds;
      tokens += static_cast<int64_t>(outcome.tokens.size());
    }
  }
  if (tokens == 0 || seconds <= 0) return InternalError("the reference run produced no tokens");
  Reference reference;
  reference.tokens_per_simulated_second = static_cast<double>(tokens) / seconds;
  reference.mean_step_seconds = seconds / static_cast<double>(measured_steps);
  reference.tokens_per_step = static_cast<double>(tokens) / static_cast<double>(measured_steps);
  reference.core_cpu_microseconds_per_token =
      (SelfCpuSeconds() - cpu_start) * 1e6 / static_cast<double>(tokens);
  return reference;
}

// A sweep point's own schedule in virtual time: the same ramp of arrivals,
// closed loop and time scale, with steps back to back and no processing
// time. Its steps in the measurement window are what the simulator's
// timeline calls for there; the steady state of RunReference() differs
// while the streams are young (short contexts make faster steps).
class Timeline {
 public:
  struct Step {
    double ends = 0;  // wall seconds after the load starts
    int64_t tokens = 0;
  };

  static StatusOr<Timeline> Replay(const simulator::EngineConfig& config, int64_t streams,
                                   int64_t max_tokens, const std::string& prompt, double time_scale,
                                   Milliseconds ramp, Milliseconds horizon);

  // Tokens and steps per wall second over [from, to): steps ending then.
  double TokensPerSecond(double from, double to) const;
  double StepsPerSecond(double from, double to) const;

 private:
  std::vector<Step> steps_;
};

StatusOr<Timeline> Timeline::Replay(const simulator::EngineConfig& config, int64_t streams,
                                    int64_t max_tokens, const std::string& prompt,
                                    double time_scale, Milliseconds ramp, Milliseconds horizon) {
  TESSERA_ASSIGN_OR_RETURN(VirtualClients clients,
                           VirtualClients::Create(config, max_tokens, prompt));
  const double ramp_seconds = std::chrono::duration<double>(ramp).count();
  const double horizon_seconds = std::chrono::duration<double>(horizon).count();
  // The load starts its slots evenly over the ramp.
  const auto arrival = [&](int64_t slot) {
    return ramp_seconds * static_cast<double>(slot) / static_cast<double>(streams);
  };
  Timeline timeline;
  int64_t arrived = 0;
  double now = 0;
  while (now < horizon_seconds) {
    // Requests that arrived during the last step join this one.
    for (; arrived < streams && arrival(arrived) <= now; ++arrived) {
      TESSERA_RETURN_IF_ERROR(clients.Add());
    }
    if (clients.Idle()) {
      if (arrived == streams) break;
      now = arrival(arrived);  // an idle engine starts a step when a request arrives
      continue;
    }
    TESSERA_ASSIGN_OR_RETURN(const simulator::StepOutcome outcome, clients.Step());
    now += outcome.seconds * time_scale;
    timeline.steps_.push_back({.ends = now, .tokens = static_cast<int64_t>(outcome.tokens.size())});
  }
  return timeline;
}

double Timeline::TokensPerSecond(double from, double to) const {
  int64_t tokens = 0;
  for (const Step& step : steps_) {
    if (step.ends >= from && step.ends < to) tokens += step.tokens;
  }
  return to > from ? static_cast<double>(tokens) / (to - from) : 0;
}

double Timeline::StepsPerSecond(double from, double to) const {
  const auto steps = std::count_if(steps_.begin(), steps_.end(), [&](const Step& step) {
    return step.ends >= from && step.ends < to;
  });
  return to > from ? static_cast<double>(steps) / (to - from) : 0;
}

// ---------------------------------------------------------------------------
// The load: N streams in flight against the simulator, on one io_context.

struct MetricsSample {
  Clock::time_point at;  // when the response arrived
  double latency_seconds = 0;
  double steps = 0;  // vllm:iteration_tokens_total_count
};

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

// The simulator's core was (nearly) fully busy over `seconds` — with the
// simulator or with anyone else — and the simulator still fell behind its
// timeline. `core_busy` is nullopt when the simulator is not pinned.
bool Saturated(double seconds, int64_t tokens, double simulator_cpu_seconds,
               std::optional<double> core_busy, double demanded_tokens_per_second) {
  if (seconds <= 0) return false;
  const double busy = std::max(simulator_cpu_seconds / seconds, core_busy.value_or(0));
  return busy >= kSaturatedCpuShare &&
         static_cast<double>(tokens) / seconds < kOnScheduleShare * demanded_tokens_per_second;
}

struct PointConfig {
  uint16_t port = 0;
  int64_t streams = 0;
  int64_t max_tokens = 0;
  std::string prompt_json;  // the prompt as a JSON string
  Milliseconds ramp{};
  Milliseconds warmup{};
  Milliseconds window{};
  double demanded_tokens_per_second = 0;
  pid_t simulator_pid = 0;
  int simulator_cpu = -1;
  int client_cpu = -1;
};

struct PointResult {
  double window_offset_seconds = 0;  // from the load's start to the window's
  double window_seconds = 0;
  int64_t window_tokens = 0;
  double simulator_cpu_seconds = 0;
  double client_cpu_seconds = 0;
  std::optional<double> simulator_core_busy;
  std::optional<double> client_core_busy;
  double open_streams_mean = 0;
  int64_t open_streams_min = 0;
  // Requests sent over kStalledAfter before the window's end and not yet
  // answered with a response head: the simulator has not read them.
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

  // Runs for ramp-independent warmup + window (less when the simulator
  // saturates), then abandons the streams in flight.
  PointResult Run();

 private:
  struct Slot {
    std::string carry;  // the start of an event split across reads
    Clock::time_point started;
    int64_t expected = 0;
    int64_t tokens = 0;
    bool open = false;
    bool done = false;
  };

  void Ramp();
  void StartSlot(size_t index);
  void OnBody(size_t index, std::string_view data);
  void OnEvent(Slot& slot, std::string_view event);
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
  double simulator_cpu_start_ = 0;
  double client_cpu_start_ = 0;
  std::optional<CoreTicks> simulator_core_start_;
  std::optional<CoreTicks> client_core_start_;
  double open_sum_ = 0;
  int64_t open_samples_ = 0;
  PointResult result_;
};

CapacityLoad::CapacityLoad(PointConfig config)
    : config_(std::move(config)),
      url_("http://127.0.0.1:" + std::to_string(config_.port) + "/v1/completions"),
      slots_(static_cast<size_t>(config_.streams)),
      ramp_timer_(io_context_),
      tick_timer_(io_context_),
      stop_timer_(io_context_) {
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
    ramp_timer_.expires_after(Milliseconds(2));
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
    OnBody(index, data);
  };
  handlers.on_complete = [this, index](const Status& status) { OnComplete(index, status); };
  client_->Start(http::HttpClientRequest::PostJson(url_, std::move(body)), std::move(handlers));
}

void CapacityLoad::OnBody(size_t index, std::string_view data) {
  Slot& slot = slots_[index];
  std::string_view text = data;
  if (!slot.carry.empty()) {
    slot.carry += data;
    text = slot.carry;
  }
  size_t consumed = 0;
  for (size_t end = text.find("\n\n"); end != std::string_view::npos;
       end = text.find("\n\n", consumed)) {
    OnEvent(slot, text.substr(consumed, end - consumed));
    consumed = end + 2;
  }
  if (slot.carry.empty()) {
    slot.carry.assign(text.substr(consumed));
  } else {
    slot.carry.erase(0, consumed);
  }
}

void CapacityLoad::OnEvent(Slot& slot, std::string_view event) {
  if (!event.starts_with("data: ")) return;
  event.remove_prefix(6);
  if (event == "[DONE]") {
    slot.done = true;
    return;
  }
  // A token is a chunk with a choice; a usage chunk has "choices":[].
  if (event.find(R"("choices":[{)") == std::string_view::npos) return;
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
  simulator_cpu_start_ = ProcessCpuSeconds(config_.simulator_pid).value_or(0);
  client_cpu_start_ = SelfCpuSeconds();
  simulator_core_start_ = ReadCoreTicks(config_.simulator_cpu);
  client_core_start_ = ReadCoreTicks(config_.client_cpu);
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
    const double cpu = ProcessCpuSeconds(config_.simulator_pid).value_or(0) - simulator_cpu_start_;
    if (Saturated(elapsed, result_.window_tokens, cpu,
                  BusyShare(simulator_core_start_, config_.simulator_cpu),
                  config_.demanded_tokens_per_second)) {
      result_.stopped_early = true;
      EndWindow();
      return;
    }
  }
  if (now >= window_start_ + config_.window) {
    EndWindow();
    return;
  }
  tick_timer_.expires_at(std::min(now + Milliseconds(250), window_start_ + config_.window));
  tick_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) Tick();
  });
}

void CapacityLoad::EndWindow() {
  in_window_ = false;
  result_.window_seconds = std::chrono::duration<double>(Clock::now() - window_start_).count();
  result_.simulator_cpu_seconds =
      ProcessCpuSeconds(config_.simulator_pid).value_or(0) - simulator_cpu_start_;
  result_.client_cpu_seconds = SelfCpuSeconds() - client_cpu_start_;
  result_.simulator_core_busy = BusyShare(simulator_core_start_, config_.simulator_cpu);
  result_.client_core_busy = BusyShare(client_core_start_, config_.client_cpu);
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
  if (result_.error_samples.size() >= kMaxErrorSamples) return;
  if (std::find(result_.error_samples.begin(), result_.error_samples.end(), message) ==
      result_.error_samples.end()) {
    result_.error_samples.push_back(message);
  }
}

// ---------------------------------------------------------------------------
// The sweep.

std::string Fixed(double value, int decimals) {
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%.*f", decimals, value);
  return text.data();
}

// 12345.6 -> "12,346"
std::string Grouped(double value) {
  std::string digits = Fixed(value, 0);
  const size_t first = digits.starts_with('-') ? 1 : 0;
  for (auto at = static_cast<int64_t>(digits.size()) - 3; at > static_cast<int64_t>(first);
       at -= 3) {
    digits.insert(static_cast<size_t>(at), ",");
  }
  return digits;
}

std::string Percent(double fraction) { return Fixed(100 * fraction, 0) + " %"; }

std::string CpuModel() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.starts_with("model name")) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

std::optional<std::vector<int64_t>> ParseList(std::string_view text) {
  std::vector<int64_t> values;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    int64_t value = 0;
    const auto [end, error] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (error != std::errc() || end != item.data() + item.size() || value <= 0) {
      return std::nullopt;
    }
    values.push_back(value);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  if (values.empty()) return std::nullopt;
  return values;
}

StatusOr<Options> ParseOptions(int argc, char** argv) {
  Options options;
  options.simulator = DirectoryOfSelf() + "/tessera-engine-sim";
  for (int i = 1; i < argc; i += 2) {
    const std::string_view name = argv[i];
    if (i + 1 >= argc) return InvalidArgumentError(std::string(name) + ": needs a value");
    const std::string_view value = argv[i + 1];
    if (name == "--simulator") {
      options.simulator = value;
      continue;
    }
    const std::optional<std::vector<int64_t>> list = ParseList(value);
    if (!list) {
      return InvalidArgumentError(std::string(name) + ": \"" + std::string(value) +
                                  "\" is not a positive integer or a comma-separated list");
    }
    const bool single = list->size() == 1;
    const int64_t number = list->front();
    if (name == "--streams") {
      options.streams = *list;
    } else if (name == "--demand") {
      options.demands = *list;
    } else if (name == "--max-tokens" && single && number >= 2 && number <= 300) {
      options.max_tokens = number;
    } else if (name == "--warmup-ms" && single) {
      options.warmup = Milliseconds(number);
    } else if (name == "--window-ms" && single) {
      options.window = Milliseconds(number);
    } else if (name == "--simulator-cpu" && single) {
      options.simulator_cpu = static_cast<int>(number);
    } else if (name == "--client-cpu" && single) {
      options.client_cpu = static_cast<int>(number);
    } else {
      return InvalidArgumentError(std::string(name) + ": unknown flag, or \"" + std::string(value) +
                                  "\" is not a value it takes");
    }
  }
  options.ramp = std::min(options.ramp, options.warmup);
  return options;
}

struct Row {
  int64_t streams = 0;
  double time_scale = 0;
  double target = 0;    // the --demand value the time scale was chosen for
  double demanded = 0;  // what the replayed timeline calls for in the window
  double due_steps_per_second = 0;
  PointResult result;
};

int Run(const Options& options) {
  RaiseFileLimit();
  const auto run_start = Clock::now();
  const bool pinned = ::sysconf(_SC_NPROCESSORS_ONLN) >= 2 && PinToCpu(options.client_cpu);
  const int simulator_cpu = pinned ? options.simulator_cpu : -1;
  const int client_cpu = pinned ? options.client_cpu : -1;
  std::printf("engine-sim-capacity: %ld CPUs (%s); simulator on CPU %d, client on CPU %d%s\n",
              ::sysconf(_SC_NPROCESSORS_ONLN), CpuModel().c_str(), options.simulator_cpu,
              options.client_cpu, pinned ? "" : " (pinning unavailable: not pinned)");
  std::printf("simulator: tessera-engine-sim %s --time-scale S --port 0\n",
              std::string(kEngineFlags).c_str());
  std::printf("each stream: POST /v1/completions, %" PRId64
              "-token prompt, stream, ignore_eos, "
              "max_tokens uniform in [%" PRId64 ", %" PRId64
              "]; window %.1f s after %.1f s warm-up\n",
              kPromptTokens, options.max_tokens / 2, options.max_tokens + options.max_tokens / 2,
              std::chrono::duration<double>(options.window).count(),
              std::chrono::duration<double>(options.warmup).count());
  std::fflush(stdout);

  std::string help;
  StatusOr<simulator::SimulatorOptions> engine =
      simulator::ParseSimulatorOptions(SplitWords(kEngineFlags), help);
  if (!engine.ok()) {
    std::fprintf(stderr, "engine-sim-capacity: %s\n", engine.status().ToString().c_str());
    return 1;
  }
  tokenizer::TextGenerator words(kSeed);
  const std::string prompt = words.Words(kPromptTokens);
  const std::string prompt_json = openai::JsonString(prompt);

  std::vector<Row> rows;
  std::vector<std::string> notes;
  for (const int64_t streams : options.streams) {
    StatusOr<Reference> reference =
        RunReference(engine->engine, streams, options.max_tokens, prompt);
    if (!reference.ok()) {
      std::fprintf(stderr, "engine-sim-capacity: reference run for %" PRId64 " streams: %s\n",
                   streams, reference.status().ToString().c_str());
      return 1;
    }
    std::printf("%" PRId64
                " streams in virtual time: %.1f tokens/step, %.2f ms/step simulated, %s tok/s "
                "simulated; EngineCore::Step alone %.2f us CPU per token\n",
                streams, reference->tokens_per_step, reference->mean_step_seconds * 1e3,
                Grouped(reference->tokens_per_simulated_second).c_str(),
                reference->core_cpu_microseconds_per_token);
    std::fflush(stdout);
    for (const int64_t demand : options.demands) {
      if (Clock::now() - run_start > kRunBudget) {
        notes.push_back(std::to_string(streams) + " streams at " + std::to_string(demand) +
                        " tok/s: skipped, the run's time budget is spent");
        continue;
      }
      const double time_scale =
          reference->tokens_per_simulated_second / static_cast<double>(demand);
      StatusOr<Timeline> timeline =
          Timeline::Replay(engine->engine, streams, options.max_tokens, prompt, time_scale,
                           options.ramp, options.warmup + options.window);
      if (!timeline.ok()) {
        std::fprintf(stderr, "engine-sim-capacity: replay: %s\n",
                     timeline.status().ToString().c_str());
        return 1;
      }
      const double window_from = std::chrono::duration<double>(options.warmup).count();
      const double window_to = window_from + std::chrono::duration<double>(options.window).count();
      std::vector<std::string> args = SplitWords(kEngineFlags);
      args.insert(args.end(), {"--time-scale", Fixed(time_scale, 6), "--port", "0"});
      std::fprintf(stderr,
                   "running %" PRId64 " streams, time scale %.4f (%" PRId64 " tok/s target) ...\n",
                   streams, time_scale, demand);
      StatusOr<std::unique_ptr<SimulatorProcess>> simulator =
          SimulatorProcess::Start(options.simulator, args, simulator_cpu);
      if (!simulator.ok()) {
        std::fprintf(stderr, "engine-sim-capacity: %s\n", simulator.status().ToString().c_str());
        return 1;
      }
      if ((*simulator)->MaxConcurrency() < static_cast<double>(streams)) {
        notes.push_back("the engine's max_concurrency " + Fixed((*simulator)->MaxConcurrency(), 0) +
                        " is below " + std::to_string(streams) +
                        " streams: the KV cache limits admission");
      }
      PointConfig config;
      config.port = (*simulator)->Port();
      config.streams = streams;
      config.max_tokens = options.max_tokens;
      config.prompt_json = prompt_json;
      config.ramp = options.ramp;
      config.warmup = options.warmup;
      config.window = options.window;
      config.demanded_tokens_per_second = timeline->TokensPerSecond(window_from, window_to);
      config.simulator_pid = (*simulator)->Pid();
      config.simulator_cpu = simulator_cpu;
      config.client_cpu = client_cpu;
      Row row;
      row.streams = streams;
      row.time_scale = time_scale;
      row.target = static_cast<double>(demand);
      row.result = CapacityLoad(config).Run();
      // The window actually measured, which ends early on saturation.
      const double from = row.result.window_offset_seconds;
      const double to = from + row.result.window_seconds;
      row.demanded = timeline->TokensPerSecond(from, to);
      row.due_steps_per_second = timeline->StepsPerSecond(from, to);
      (*simulator)->Kill();
      for (const std::string& sample : row.result.error_samples) {
        notes.push_back(std::to_string(streams) + " streams at " +
                        Grouped(static_cast<double>(demand)) + " tok/s: " + sample);
      }
      const bool saturated =
          row.result.stopped_early ||
          Saturated(row.result.window_seconds, row.result.window_tokens,
                    row.result.simulator_cpu_seconds, row.result.simulator_core_busy, row.demanded);
      rows.push_back(std::move(row));
      if (saturated) break;  // higher demands only saturate it further
    }
  }

  TextTable table({{"streams", TextTable::Align::kRight},
                   {"time scale", TextTable::Align::kRight},
                   {"target tok/s", TextTable::Align::kRight},
                   {"demanded tok/s", TextTable::Align::kRight},
                   {"delivered tok/s", TextTable::Align::kRight},
                   {"on time", TextTable::Align::kRight},
                   {"steps/s done / due", TextTable::Align::kRight},
                   {"sim CPU", TextTable::Align::kRight},
                   {"core 0 busy", TextTable::Align::kRight},
                   {"tok per CPU-s", TextTable::Align::kRight},
                   {"client CPU", TextTable::Align::kRight},
                   {"open streams", TextTable::Align::kRight},
                   {"errors", TextTable::Align::kRight}});
  for (const Row& row : rows) {
    const PointResult& result = row.result;
    const double delivered = static_cast<double>(result.window_tokens) / result.window_seconds;
    // Step rates need both /metrics answers on time; a simulator that has
    // fallen behind may leave them waiting.
    std::string steps = "-";
    const std::optional<MetricsSample>& first = result.metrics_start;
    const std::optional<MetricsSample>& last = result.metrics_end;
    if (first && last && first->latency_seconds < kMetricsLatencyLimit &&
        last->latency_seconds < kMetricsLatencyLimit && last->at > first->at) {
      const double done = (last->steps - first->steps) /
                          std::chrono::duration<double>(last->at - first->at).count();
      steps = Fixed(done, 0) + " / " + Fixed(row.due_steps_per_second, 0);
    } else {
      notes.push_back(std::to_string(row.streams) + " streams at " + Grouped(row.demanded) +
                      " tok/s: /metrics " +
                      (first && last
                           ? "answered after " +
                                 Fixed(std::max(first->latency_seconds, last->latency_seconds), 1) +
                                 " s"
                           : "not answered"));
    }
    if (result.stalled_requests > 0) {
      notes.push_back(
          std::to_string(row.streams) + " streams at " + Grouped(row.demanded) +
          " tok/s: " + std::to_string(result.stalled_requests) + " requests unanswered after " +
          std::to_string(std::chrono::duration_cast<Milliseconds>(kStalledAfter).count()) +
          " ms at the window's end");
    }
    const double cpu = result.simulator_cpu_seconds;
    table.AddRow({Grouped(static_cast<double>(row.streams)), Fixed(row.time_scale, 4),
                  Grouped(row.target), Grouped(row.demanded),
                  Grouped(delivered) + (result.stopped_early ? "*" : ""),
                  Percent(delivered / row.demanded), steps, Percent(cpu / result.window_seconds),
                  result.simulator_core_busy ? Percent(*result.simulator_core_busy) : "-",
                  cpu > 0 ? Grouped(static_cast<double>(result.window_tokens) / cpu) : "-",
                  Percent(result.client_cpu_seconds / result.window_seconds),
                  Fixed(result.open_streams_mean, 0) + " (min " +
                      std::to_string(result.open_streams_min) + ")",
                  std::to_string(result.Errors())});
  }
  std::printf("\n%s\n", table.Render().c_str());
  std::printf(
      "target: the steady-state rate the time scale was chosen for. demanded: the rate the "
      "point's own schedule calls for in the window (virtual-time replay).\n"
      "on time: delivered / demanded. steps/s: engine steps the simulator completed (from "
      "vllm:iteration_tokens_total_count) / steps its timeline called for.\n"
      "tok per CPU-s: tokens delivered / simulator CPU seconds (user + system) in the window.\n"
      "*: stopped early, the simulator had saturated its core.\n");
  for (const std::string& note : notes) std::printf("  %s\n", note.c_str());
  std::printf("total %.0f s\n", std::chrono::duration<double>(Clock::now() - run_start).count());
  return 0;
}

}  // namespace
}  // namespace tessera::bench

int main(int argc, char** argv) {
  const tessera::StatusOr<tessera::bench::Options> options =
      tessera::bench::ParseOptions(argc, argv);
  if (!options.ok()) {
    std::fprintf(stderr, "engine-sim-capacity: %s\n", options.status().message().c_str());
    return 2;
  }
  // A closed socket must not end the run.
  std::signal(SIGPIPE, SIG_IGN);
  return tessera::bench::Run(*options);
}
