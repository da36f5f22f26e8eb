// CPU time spent by processes and by cores, for CPU-per-token figures.

#ifndef TESSERA_BENCHMARKS_HARNESS_PROCESS_CPU_H_
#define TESSERA_BENCHMARKS_HARNESS_PROCESS_CPU_H_

#include <optional>

#include <sys/types.h>

namespace tessera::bench {

// User plus system CPU seconds of every thread of `pid`, from
// /proc/<pid>/stat (clock-tick resolution, 10 ms on Linux); nullopt when
// the process is gone.
std::optional<double> ProcessCpuSeconds(pid_t pid);

// The calling process's user plus system CPU seconds (microseconds).
double SelfCpuSeconds();

// Seconds CPU `cpu` spent busy (anything but idle and I/O wait: every
// process, interrupts and softirqs, which the kernel may run in ksoftirqd
// rather than in the process that caused them) and in total, since boot,
// from /proc/stat; nullopt when there is no such CPU.
struct CoreSeconds {
  double busy = 0;
  double total = 0;
};
std::optional<CoreSeconds> ReadCoreSeconds(int cpu);

// What a measurement window cost in CPU: the server process's and this
// one's CPU seconds, and the share of the window the cores they are pinned
// to were busy, by anyone (which shows other processes competing).
struct WindowCpu {
  std::optional<double> server_cpu_seconds;  // nullopt: not measured, or the server is gone
  double client_cpu_seconds = 0;
  std::optional<double> server_core_busy;  // nullopt: not pinned, or unreadable
  std::optional<double> client_core_busy;
};

// Measures WindowCpu from Start() on. A server pid of 0 and a core of -1
// are not measured.
class WindowCpuMeter {
 public:
  WindowCpuMeter(pid_t server_pid, int server_core, int client_core);

  void Start();
  // Since Start(); may be read again as the window goes on.
  WindowCpu Read() const;

 private:
  pid_t server_pid_ = 0;
  int server_core_ = -1;
  int client_core_ = -1;
  std::optional<double> server_cpu_start_;
  double client_cpu_start_ = 0;
  std::optional<CoreSeconds> server_core_start_;
  std::optional<CoreSeconds> client_core_start_;
};

}  // namespace tessera::bench

#endif  // TESSERA_BENCHMARKS_HARNESS_PROCESS_CPU_H_
