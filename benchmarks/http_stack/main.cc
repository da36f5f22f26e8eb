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
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/numbers.h"
#include "base/text_table.h"
#include "benchmarks/harness/command_line.h"
#include "benchmarks/harness/figures.h"
#include "benchmarks/harness/host_machine.h"
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

// "2000x40": 2000 streams, one event every 40 ms each.
std::optional<Workload> ParseWorkload(std::string_view text) {
  const size_t cross = text.find('x');
  if (cross == std::string_view::npos) return std::nullopt;
  const std::optional<int> streams = ParseInteger<int>(text.substr(0, cross));
  const std::optional<int> interval = ParseInteger<int>(text.substr(cross + 1));
  if (!streams || !interval || *streams < 1 || *interval < 1) return std::nullopt;
  return Workload{.streams = *streams, .interval_ms = *interval};
}

uint16_t FreePort() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io);
  boost::system::error_code error;
  (void)acceptor.open(boost::asio::ip::tcp::v4(), error);
  (void)acceptor.bind({boost::asio::ip::address_v4::loopback(), 0}, error);
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
  const std::optional<int> bound = ParseInteger<int>(line.substr(6, line.size() - 7));
  if (!bound) return std::nullopt;
  return ServerProcess{.pid = pid, .port = static_cast<uint16_t>(*bound)};
}

int Compare(const Options& options) {
  RaiseFileLimit();
  const int64_t cpus = OnlineCpus();
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
      const double server_cpu = result.cpu.server_cpu_seconds.value_or(0);
      table.AddRow({stack, std::to_string(workload.streams),
                    std::to_string(workload.interval_ms) + " ms", Fixed(offered, 0),
                    Fixed(achieved, 0), Fixed(100 * server_cpu / result.window_seconds, 0) + " %",
                    Percent(result.cpu.server_core_busy), Fixed(server_cpu * per_k_tokens, 2),
                    Fixed(100 * result.cpu.client_cpu_seconds / result.window_seconds, 0) + " %",
                    Percent(result.cpu.client_core_busy),
                    Fixed(result.cpu.client_cpu_seconds * per_k_tokens, 2),
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

struct ServeOptions {
  std::string stack;
  int port = 0;
  int cpprest_threads = 0;
};

int Serve(const ServeOptions& options) {
  RaiseFileLimit();
  const auto port = static_cast<uint16_t>(options.port);
  if (options.stack == "beast") return RunBeastSseServer(port);
  return RunCpprestSseServer(port, options.cpprest_threads);
}

int Main(int argc, char** argv) {
  constexpr int kMaxInt = std::numeric_limits<int>::max();
  CLI::App app(
      "Which HTTP stack can carry the engine simulator's SSE data path: serves one "
      "workload from tessera::http (Boost.Beast) and from cpprestsdk, drives each with "
      "tessera::http's client and prints a table (docs/http-stack.md)",
      "http_stack_bench");
  Options options;
  std::vector<std::string> workloads;
  workloads.reserve(options.workloads.size());
  for (const Workload& workload : options.workloads) {
    workloads.push_back(std::to_string(workload.streams) + "x" +
                        std::to_string(workload.interval_ms));
  }
  const CLI::Validator workload_format(
      [](const std::string& item) -> std::string {
        return ParseWorkload(item) ? "" : "\"" + item + "\" is not STREAMSxINTERVAL_MS";
      },
      "STREAMSxINTERVAL_MS");
  const auto stacks = CLI::IsMember({"beast", "cpprest"});
  app.add_option("--stacks", options.stacks, "The stacks to compare")
      ->delimiter(',')
      ->check(stacks)
      ->capture_default_str();
  app.add_option("--workloads", workloads,
                 "STREAMSxINTERVAL_MS: concurrent streams, one event every INTERVAL_MS each")
      ->delimiter(',')
      ->check(workload_format)
      ->capture_default_str();
  app.add_option("--events", options.events, "Events per stream")
      ->check(CLI::Range(1, kMaxInt))
      ->capture_default_str();
  app.add_option("--duration-s", options.duration_s, "Seconds from the start to the window's end")
      ->check(CLI::Range(0, kMaxInt))
      ->capture_default_str();
  app.add_option("--warmup-s", options.warmup_s, "Seconds before the window starts")
      ->check(CLI::Range(0, kMaxInt))
      ->capture_default_str();
  app.add_option("--server-cpu", options.server_cpu)
      ->check(CLI::Range(0, kMaxInt))
      ->capture_default_str();
  app.add_option("--client-cpu", options.client_cpu)
      ->check(CLI::Range(0, kMaxInt))
      ->capture_default_str();
  app.add_option("--cpprest-threads", options.cpprest_threads,
                 "cpprestsdk's thread pool size; 0 for its default")
      ->check(CLI::Range(0, kMaxInt))
      ->capture_default_str();

  ServeOptions serve_options;
  CLI::App* serve = app.add_subcommand("serve", "Serve the workload (the server each run starts)");
  serve->add_option("--stack", serve_options.stack)->required()->check(stacks);
  serve->add_option("--port", serve_options.port, "0 picks a free port")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  serve->add_option("--cpprest-threads", serve_options.cpprest_threads)
      ->check(CLI::Range(0, kMaxInt))
      ->capture_default_str();

  if (const std::optional<int> exit_status = ParseCommandLine(app, argc, argv)) {
    return *exit_status;
  }
  if (serve->parsed()) return Serve(serve_options);
  if (options.duration_s <= options.warmup_s) {
    std::fprintf(stderr, "--duration-s: %d must be greater than --warmup-s (%d)\n",
                 options.duration_s, options.warmup_s);
    return 2;
  }
  options.workloads.clear();
  for (const std::string& workload : workloads)
    options.workloads.push_back(*ParseWorkload(workload));
  return Compare(options);
}

}  // namespace
}  // namespace tessera::bench

int main(int argc, char** argv) { return tessera::bench::Main(argc, argv); }
