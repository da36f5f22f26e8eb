#include "benchmarks/harness/process_cpu.h"

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include <sys/resource.h>
#include <unistd.h>

namespace tessera::bench {

std::optional<double> ProcessCpuSeconds(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  const std::string stat((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  // The command name is in parentheses and may hold blanks; fields count
  // from after its closing parenthesis: state is field 3, utime 14, stime 15.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int index = 3; index <= 15 && fields >> field; ++index) {
    if (index == 14 || index == 15) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::optional<CoreSeconds> ReadCoreSeconds(int cpu) {
  std::ifstream file("/proc/stat");
  const std::string name = "cpu" + std::to_string(cpu);
  std::string line;
  while (std::getline(file, line)) {
    std::istringstream fields(line);
    std::string label;
    fields >> label;
    if (label != name) continue;
    // user nice system idle iowait irq softirq steal ...
    double ticks = 0;
    double total = 0;
    double idle = 0;
    for (int index = 0; index < 8 && fields >> ticks; ++index) {
      total += ticks;
      if (index == 3 || index == 4) idle += ticks;
    }
    const auto per_second = static_cast<double>(::sysconf(_SC_CLK_TCK));
    return CoreSeconds{.busy = (total - idle) / per_second, .total = total / per_second};
  }
  return std::nullopt;
}

double SelfCpuSeconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& time) {
    return static_cast<double>(time.tv_sec) + static_cast<double>(time.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

namespace {

std::optional<double> BusyShare(const std::optional<CoreSeconds>& start, int cpu) {
  if (!start) return std::nullopt;
  const std::optional<CoreSeconds> end = ReadCoreSeconds(cpu);
  if (!end || end->total <= start->total) return std::nullopt;
  return (end->busy - start->busy) / (end->total - start->total);
}

}  // namespace

WindowCpuMeter::WindowCpuMeter(pid_t server_pid, int server_core, int client_core)
    : server_pid_(server_pid), server_core_(server_core), client_core_(client_core) {}

void WindowCpuMeter::Start() {
  if (server_pid_ != 0) server_cpu_start_ = ProcessCpuSeconds(server_pid_);
  client_cpu_start_ = SelfCpuSeconds();
  if (server_core_ >= 0) server_core_start_ = ReadCoreSeconds(server_core_);
  if (client_core_ >= 0) client_core_start_ = ReadCoreSeconds(client_core_);
}

WindowCpu WindowCpuMeter::Read() const {
  WindowCpu cpu;
  cpu.client_cpu_seconds = SelfCpuSeconds() - client_cpu_start_;
  if (server_cpu_start_) {
    const std::optional<double> server_cpu_end = ProcessCpuSeconds(server_pid_);
    if (server_cpu_end) cpu.server_cpu_seconds = *server_cpu_end - *server_cpu_start_;
  }
  cpu.server_core_busy = BusyShare(server_core_start_, server_core_);
  cpu.client_core_busy = BusyShare(client_core_start_, client_core_);
  return cpu;
}

}  // namespace tessera::bench
