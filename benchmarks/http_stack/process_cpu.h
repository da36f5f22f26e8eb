// CPU time spent by processes, for CPU-per-token figures.

#ifndef TESSERA_BENCHMARKS_HTTP_STACK_PROCESS_CPU_H_
#define TESSERA_BENCHMARKS_HTTP_STACK_PROCESS_CPU_H_

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

}  // namespace tessera::bench

#endif  // TESSERA_BENCHMARKS_HTTP_STACK_PROCESS_CPU_H_
