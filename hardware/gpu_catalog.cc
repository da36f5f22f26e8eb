#include "hardware/gpu_catalog.h"

#include "base/strings.h"

namespace tessera::hardware {
namespace {

constexpr int64_t kGiB = int64_t{1} << 30;
constexpr double kTera = 1e12;

using enum ComputePartition;
using enum MemoryPartition;

// MI300-class parts: any compute mode over interleaved memory (NPS1), and the
// finer compute modes over per-quadrant (NPS4) or per-half (NPS2) memory,
// which is what amdgpu accepts on them.
std::vector<PartitionMode> Mi300Modes() {
  return {{kSpx, kNps1}, {kDpx, kNps1}, {kQpx, kNps1}, {kCpx, kNps1}, {kQpx, kNps4}, {kCpx, kNps4}};
}

std::vector<PartitionMode> Mi350Modes() {
  return {{kSpx, kNps1}, {kDpx, kNps1}, {kQpx, kNps1}, {kCpx, kNps1},
          {kDpx, kNps2}, {kQpx, kNps2}, {kCpx, kNps2}};
}

const std::vector<GpuSpec>& Catalog() {
  static const auto* const kCatalog = new std::vector<GpuSpec>{
      {.name = "mi300x",
       .display_name = "AMD Instinct MI300X",
       .vram_bytes = 192 * kGiB,
       .compute_units = 304,
       .peak_flops_16bit = 1307.4 * kTera,
       .peak_flops_8bit = 2614.9 * kTera,
       .memory_bandwidth = 5.3e12,
       .interconnect_bandwidth = 448e9,  // 7 xGMI links × 64 GB/s each way
       .modes = Mi300Modes(),
       .preferred_memory_for_cpx = kNps4},
      {.name = "mi325x",
       .display_name = "AMD Instinct MI325X",
       .vram_bytes = 256 * kGiB,
       .compute_units = 304,
       .peak_flops_16bit = 1307.4 * kTera,
       .peak_flops_8bit = 2614.9 * kTera,
       .memory_bandwidth = 6.0e12,
       .interconnect_bandwidth = 448e9,
       .modes = Mi300Modes(),
       .preferred_memory_for_cpx = kNps4},
      {.name = "mi355x",
       .display_name = "AMD Instinct MI355X",
       .vram_bytes = 288 * kGiB,
       .compute_units = 256,
       .peak_flops_16bit = 2516.6 * kTera,
       .peak_flops_8bit = 5033.2 * kTera,
       .memory_bandwidth = 8.0e12,
       .interconnect_bandwidth = 538e9,
       .modes = Mi350Modes(),
       .preferred_memory_for_cpx = kNps2},
      {.name = "h100",
       .display_name = "NVIDIA H100 SXM",
       .vram_bytes = 80 * kGiB,
       .compute_units = 132,
       .peak_flops_16bit = 989.4 * kTera,
       .peak_flops_8bit = 1978.9 * kTera,
       .memory_bandwidth = 3.35e12,
       .interconnect_bandwidth = 450e9,
       .modes = {{kSpx, kNps1}}},
      {.name = "h200",
       .display_name = "NVIDIA H200 SXM",
       .vram_bytes = 141 * kGiB,
       .compute_units = 132,
       .peak_flops_16bit = 989.4 * kTera,
       .peak_flops_8bit = 1978.9 * kTera,
       .memory_bandwidth = 4.8e12,
       .interconnect_bandwidth = 450e9,
       .modes = {{kSpx, kNps1}}},
  };
  return *kCatalog;
}

std::string SupportedModes(const GpuSpec& gpu) {
  std::vector<std::string> names;
  names.reserve(gpu.modes.size());
  for (const PartitionMode& mode : gpu.modes) names.push_back(PartitionModeName(mode));
  return Join(names, ", ");
}

}  // namespace

double PartitionProfile::PeakFlops(hardware::DataType type) const {
  return hardware::BytesPerElement(type) == 1 ? peak_flops_8bit : peak_flops_16bit;
}

std::string PartitionProfile::Name() const { return gpu->name + " " + PartitionModeName(mode); }

std::span<const GpuSpec> CatalogGpus() { return Catalog(); }

StatusOr<const GpuSpec*> FindGpu(std::string_view name) {
  const std::string wanted = AsciiLower(name);
  for (const GpuSpec& gpu : Catalog()) {
    if (gpu.name == wanted) return &gpu;
  }
  std::vector<std::string_view> known;
  for (const GpuSpec& gpu : Catalog()) known.push_back(gpu.name);
  return NotFoundError("unknown GPU \"" + std::string(name) + "\"; the catalog has " +
                       Join(known, ", "));
}

StatusOr<PartitionProfile> ResolvePartition(std::string_view gpu_name, std::string_view compute,
                                            std::string_view memory) {
  TESSERA_ASSIGN_OR_RETURN(const GpuSpec* gpu, FindGpu(gpu_name));
  PartitionMode mode = gpu->modes.front();
  if (!compute.empty()) {
    TESSERA_ASSIGN_OR_RETURN(mode.compute, ParseComputePartition(compute));
    mode.memory = mode.compute == kCpx ? gpu->preferred_memory_for_cpx : kNps1;
  }
  if (!memory.empty()) {
    TESSERA_ASSIGN_OR_RETURN(mode.memory, ParseMemoryPartition(memory));
  }
  bool supported = false;
  for (const PartitionMode& candidate : gpu->modes) supported = supported || candidate == mode;
  if (!supported) {
    return InvalidArgumentError(gpu->name + " does not support partition mode " +
                                PartitionModeName(mode) + "; it supports " + SupportedModes(*gpu));
  }
  PartitionProfile profile;
  profile.gpu = gpu;
  profile.mode = mode;
  profile.partitions_per_gpu = PartitionsPerGpu(mode.compute);
  const int count = profile.partitions_per_gpu;
  // amdgpu gives each compute partition an equal share of its memory
  // partition, so the share per logical GPU is the same in every NPS mode.
  profile.vram_bytes = gpu->vram_bytes / count;
  profile.compute_units = gpu->compute_units / count;
  profile.peak_flops_16bit = gpu->peak_flops_16bit / count;
  profile.peak_flops_8bit = gpu->peak_flops_8bit / count;
  profile.memory_bandwidth = gpu->memory_bandwidth / count;
  profile.interconnect_bandwidth = gpu->interconnect_bandwidth;
  return profile;
}

StatusOr<PartitionProfile> ParseHardware(std::string_view text) {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) return ResolvePartition(text, "");
  const std::string_view gpu = text.substr(0, colon);
  const std::string_view mode = text.substr(colon + 1);
  if (mode.empty()) {
    return InvalidArgumentError("hardware \"" + std::string(text) +
                                "\": expected a partition mode after ':', such as cpx");
  }
  const size_t slash = mode.find('/');
  if (slash == std::string_view::npos) return ResolvePartition(gpu, mode);
  return ResolvePartition(gpu, mode.substr(0, slash), mode.substr(slash + 1));
}

}  // namespace tessera::hardware
