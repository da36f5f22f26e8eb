// http_stack_bench: which HTTP stack can carry the engine simulator's SSE
// data path? Serves the same workload from tessera::http (Boost.Beast) and
// from cpprestsdk's http_listener, drives each with tessera::http's client,
// and prints a table. See docs/http-stack.md.
//
//   http_stack_bench [--stacks beast,cpprest] [--workloads 500x20,2000x40,2000x20,4000x40]
//                    [--events 100] [--duration-s 10] [--warmup-s 2]
//                    [--server-cpu 0] [--client-cpu 1] [--cpprest-threads 0]
//   http_stack_bench serve --stack beast|cpprest [--port N] [--cpprest-threads N]
//
// A workload "2000x40" is 2000 concurrent streams, one event every 40 ms
// each. Every run starts a fresh server process pinned to --server-cpu; the
// load generator runs in this process, pinned to --client-cpu.

#include <array>
#include <charconv>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/text_table.h"
#include "benchmarks/http_stack/beast_sse_server.h"
#include "benchmarks/http_stack/cpprest_sse_server.h"
#include "benchmarks/http_stack/load_generator.h"
#include "benchmarks/http_stack/sse_workload.h"

namespace tessera::bench {
namespace {

struct Workload {
  int streams = 0;
  int interval_ms = 0;
};

struct Options {
  std::vector<std::string> stacks = {"beast", "cpprest"};
  std::vector<Workload> workloads = {{500, 20}, {2000, 40}, {2000, 20}, {4000, 40}};
  int events = 100;
  int duration_s = 10;
  int warmup_s = 2;
  int server_cpu = 0;
  int client_cpu = 1;
  int cpprest_threads = 0;
};

std::vector<std::string> Split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  while (!text.empty()) {
    const size_t at = text.find(separator);
    parts.emplace_back(text.substr(0, at));
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + 1);
  }
  return parts;
}

std::optional<int> ParseInt(std::string_view text) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Flags as --name value pairs after the positional arguments.
std::optional<std::map<std::string, std::string>> ParseFlags(int argc, char** argv, int first) {
  std::map<std::string, std::string> flags;
  for (int i = first; i < argc; i += 2) {
    const std::string_view name = argv[i];
    if (!name.starts_with("--") || i + 1 >= argc) {
      std::fprintf(stderr, "expected --flag value, got \"%s\"\n", argv[i]);
      return std::nullopt;
    }
    flags[std::string(name.substr(2))] = argv[i + 1];
  }
  return flags;
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
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

uint16_t FreePort() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io);
  boost::system::error_code error;
  acceptor.open(boost::asio::ip::tcp::v4(), error);
  acceptor.bind({boost::asio::ip::address_v4::loopback(), 0}, error);
  return error ? 0 : acceptor.local_endpoint(error).port();
}

struct ServerProcess {
  pid_t pid = 0;
  uint16_t port = 0;
};

// Starts `http_stack_bench serve` pinned to `cpu` and waits for its READY.
std::optional<ServerProcess> SpawnServer(const std::string& stack, int cpu, int cpprest_threads) {
  const uint16_t port = stack == "cpprest" ? FreePort() : 0;
  std::array<int, 2> pipe_fds{};
  if (::pipe(pipe_fds.data()) != 0) return std::nullopt;
  const pid_t pid = ::fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    PinToCpu(cpu);
    const std::string port_text = std::to_string(port);
    const std::string threads_text = std::to_string(cpprest_threads);
    const std::array<const char*, 9> args = {"http_stack_bench",
                                             "serve",
                                             "--stack",
                                             stack.c_str(),
                                             "--port",
                                             port_text.c_str(),
                                             "--cpprest-threads",
                                             threads_text.c_str(),
                                             nullptr};
    ::execv("/proc/self/exe", const_cast<char* const*>(args.data()));
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  std::string line;
  pollfd poll_fd{.fd = pipe_fds[0], .events = POLLIN, .revents = 0};
  char c = 0;
  while (line.find('\n') == std::string::npos && ::poll(&poll_fd, 1, 10'000) > 0 &&
         ::read(pipe_fds[0], &c, 1) == 1) {
    line += c;
  }
  ::close(pipe_fds[0]);
  if (!line.starts_with("READY ")) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return std::nullopt;
  }
  const std::optional<int> bound = ParseInt(line.substr(6, line.size() - 7));
  if (!bound) return std::nullopt;
  return ServerProcess{.pid = pid, .port = static_cast<uint16_t>(*bound)};
}

std::string Fixed(double value, int decimals) {
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%.*f", decimals, value);
  return text.data();
}

std::string Percent(const std::optional<double>& fraction) {
  return fraction ? Fixed(100 * *fraction, 0) + " %" : "-";
}

std::string CpuModel() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.starts_with("model name")) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

int Compare(const Options& options) {
  RaiseFileLimit();
  const int64_t cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  const bool pinned = cpus >= 2 && PinToCpu(options.client_cpu);
  std::string sample_event;
  AppendEvent(sample_event, std::chrono::steady_clock::now());
  std::printf(
      "http_stack_bench: %s CPUs (%s); server pinned to CPU %d, load generator to CPU %d%s\n",
      std::to_string(cpus).c_str(), CpuModel().c_str(), options.server_cpu, options.client_cpu,
      pinned ? "" : " (pinning unavailable: not pinned)");
  std::printf("each stream: %d events of %zu bytes + [DONE]; window %ds after %ds warm-up\n\n",
              options.events, sample_event.size(), options.duration_s - options.warmup_s,
              options.warmup_s);
  std::fflush(stdout);

  TextTable table({{"stack"},
                   {"streams", TextTable::Align::kRight},
                   {"every", TextTable::Align::kRight},
                   {"offered tok/s", TextTable::Align::kRight},
                   {"achieved tok/s", TextTable::Align::kRight},
                   {"server CPU", TextTable::Align::kRight},
                   {"core busy", TextTable::Align::kRight},
                   {"server ms/1k tok", TextTable::Align::kRight},
                   {"client CPU", TextTable::Align::kRight},
                   {"core busy", TextTable::Align::kRight},
                   {"client ms/1k tok", TextTable::Align::kRight},
                   {"lag p50", TextTable::Align::kRight},
                   {"lag p99", TextTable::Align::kRight},
                   {"lag max", TextTable::Align::kRight},
                   {"streams ok", TextTable::Align::kRight},
                   {"errors", TextTable::Align::kRight}});
  std::vector<std::string> notes;
  for (const std::string& stack : options.stacks) {
    for (const Workload& workload : options.workloads) {
      std::fprintf(stderr, "running %s %dx%dms ...\n", stack.c_str(), workload.streams,
                   workload.interval_ms);
      const std::optional<ServerProcess> server =
          SpawnServer(stack, options.server_cpu, options.cpprest_threads);
      if (!server) {
        notes.push_back(stack + ": the server did not start");
        continue;
      }
      LoadConfig config;
      config.port = server->port;
      config.streams = workload.streams;
      config.workload.events = options.events;
      config.workload.interval = std::chrono::milliseconds(workload.interval_ms);
      config.warmup = std::chrono::seconds(options.warmup_s);
      config.duration = std::chrono::seconds(options.duration_s);
      config.server_pid = server->pid;
      if (pinned) {
        config.server_core = options.server_cpu;
        config.client_core = options.client_cpu;
      }
      const LoadResult result = LoadGenerator(config).Run();
      ::kill(server->pid, SIGKILL);
      ::waitpid(server->pid, nullptr, 0);

      const double offered = workload.streams * 1000.0 / workload.interval_ms;
      const double achieved = static_cast<double>(result.window_events) / result.window_seconds;
      const double per_k_tokens =
          1e6 / std::max<double>(1, static_cast<double>(result.window_events));
      const double server_cpu = result.server_cpu_seconds.value_or(0);
      table.AddRow({stack, std::to_string(workload.streams),
                    std::to_string(workload.interval_ms) + " ms", Fixed(offered, 0),
                    Fixed(achieved, 0), Fixed(100 * server_cpu / result.window_seconds, 0) + " %",
                    Percent(result.server_core_busy), Fixed(server_cpu * per_k_tokens, 2),
                    Fixed(100 * result.client_cpu_seconds / result.window_seconds, 0) + " %",
                    Percent(result.client_core_busy),
                    Fixed(result.client_cpu_seconds * per_k_tokens, 2),
                    Fixed(result.lag_p50_ms, 1) + " ms", Fixed(result.lag_p99_ms, 1) + " ms",
                    Fixed(result.lag_max_ms, 1) + " ms", std::to_string(result.completed_streams),
                    std::to_string(result.errors())});
      for (const std::string& sample : result.error_samples) {
        std::string note = stack;
        note += " " + std::to_string(workload.streams) + "x" +
                std::to_string(workload.interval_ms) + "ms: ";
        note += sample;
        notes.push_back(std::move(note));
      }
    }
  }
  std::printf("%s\n", table.Render().c_str());
  for (const std::string& note : notes) std::printf("  %s\n", note.c_str());
  return 0;
}

int Serve(const std::map<std::string, std::string>& flags) {
  RaiseFileLimit();
  const auto stack = flags.find("stack");
  const auto port_flag = flags.find("port");
  const std::optional<int> port = port_flag == flags.end() ? 0 : ParseInt(port_flag->second);
  const auto threads_flag = flags.find("cpprest-threads");
  const std::optional<int> threads =
      threads_flag == flags.end() ? 0 : ParseInt(threads_flag->second);
  if (stack == flags.end() || !port || *port < 0 || *port > 65535 || !threads) {
    std::fprintf(stderr, "serve: need --stack beast|cpprest [--port N] [--cpprest-threads N]\n");
    return 2;
  }
  if (stack->second == "beast") return RunBeastSseServer(static_cast<uint16_t>(*port));
  if (stack->second == "cpprest") {
    return RunCpprestSseServer(static_cast<uint16_t>(*port), *threads);
  }
  std::fprintf(stderr, "serve: unknown --stack \"%s\"\n", stack->second.c_str());
  return 2;
}

int Main(int argc, char** argv) {
  if (argc >= 2 && std::string_view(argv[1]) == "serve") {
    const auto flags = ParseFlags(argc, argv, 2);
    return flags ? Serve(*flags) : 2;
  }
  const auto flags = ParseFlags(argc, argv, 1);
  if (!flags) return 2;
  Options options;
  for (const auto& [name, value] : *flags) {
    if (name == "stacks") {
      options.stacks = Split(value, ',');
      continue;
    }
    if (name == "workloads") {
      options.workloads.clear();
      for (const std::string& item : Split(value, ',')) {
        const std::vector<std::string> parts = Split(item, 'x');
        const std::optional<int> streams = parts.size() == 2 ? ParseInt(parts[0]) : std::nullopt;
        const std::optional<int> interval = parts.size() == 2 ? ParseInt(parts[1]) : std::nullopt;
        if (!streams || !interval || *streams < 1 || *interval < 1) {
          std::fprintf(stderr, "--workloads: \"%s\" is not STREAMSxINTERVAL_MS\n", item.c_str());
          return 2;
        }
        options.workloads.push_back({*streams, *interval});
      }
      continue;
    }
    const std::optional<int> number = ParseInt(value);
    if (!number || *number < 0) {
      std::fprintf(stderr, "--%s: \"%s\" is not a non-negative integer\n", name.c_str(),
                   value.c_str());
      return 2;
    }
    if (name == "events") {
      options.events = *number;
    } else if (name == "duration-s") {
      options.duration_s = *number;
    } else if (name == "warmup-s") {
      options.warmup_s = *number;
    } else if (name == "server-cpu") {
      options.server_cpu = *number;
    } else if (name == "client-cpu") {
      options.client_cpu = *number;
    } else if (name == "cpprest-threads") {
      options.cpprest_threads = *number;
    } else {
      std::fprintf(stderr, "unknown flag --%s\n", name.c_str());
      return 2;
    }
  }
  if (options.events < 1 || options.duration_s <= options.warmup_s) {
    std::fprintf(stderr, "need --events >= 1 and --duration-s > --warmup-s\n");
    return 2;
  }
  return Compare(options);
}

}  // namespace
}  // namespace tessera::bench

int main(int argc, char** argv) { return tessera::bench::Main(argc, argv); }
