// What a benchmark asks of the machine it runs on: a core of its own, file
// descriptors for thousands of connections, and the CPU's name for the
// record.

#ifndef TESSERA_BENCHMARKS_HARNESS_HOST_MACHINE_H_
#define TESSERA_BENCHMARKS_HARNESS_HOST_MACHINE_H_

#include <cstdint>
#include <string>

namespace tessera::bench {

// Pins the calling thread (and the threads and processes it starts after)
// to CPU `cpu`; false when the kernel refuses.
bool PinToCpu(int cpu);

// Raises the soft limit on open files to the hard limit, for benchmarks
// that hold a connection per stream.
void RaiseFileLimit();

// CPUs online now.
int64_t OnlineCpus();

// The first "model name" of /proc/cpuinfo, or "unknown".
std::string CpuModel();

}  // namespace tessera::bench

#endif  // TESSERA_BENCHMARKS_HARNESS_HOST_MACHINE_H_
