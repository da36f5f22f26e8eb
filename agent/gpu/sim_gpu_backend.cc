#include "agent/gpu/sim_gpu_backend.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace tessera::agent {
namespace {

// Plausible MI300X-class readings between idle and full load.
constexpr double kIdlePowerWatts = 140;
constexpr double kIdleJunctionCelsius = 40;
constexpr double kFullJunctionCelsius = 85;
constexpr double kIdleEdgeCelsius = 35;
constexpr double kFullEdgeCelsius = 65;
constexpr double kIdleMemoryCelsius = 38;
constexpr double kFullMemoryCelsius = 75;
constexpr double kIdleGfxClockMhz = 150;
constexpr double kFullGfxClockMhz = 2100;
constexpr double kMemoryClockMhz = 1300;

// A decoding engine keeps its compute units busy whenever it has work; a
// handful of sequences saturates a partition.
double BusyPercent(double in_flight_requests) {
  return std::clamp(25.0 * in_flight_requests, 0.0, 100.0);
}

double Between(double idle, double full, double busy_percent) {
  return idle + (full - idle) * busy_percent / 100.0;
}

std::string PciBusId(int gpu) {
  std::array<char, 32> text{};
  // Spread over buses as an 8-GPU OAM board is: one GPU per root port.
  std::snprintf(text.data(), text.size(), "0000:%02x:00.0", (0x0c + 0x10 * gpu) & 0xff);
  return text.data();
}

}  // namespace

SimGpuBackend::SimGpuBackend(const SimTopology& topology) {
  idle_.hostname = topology.hostname;
  idle_.backend = "sim";
  int gpu_index = 0;
  int partition_index = 0;
  for (const SimGpuGroup& group : topology.groups) {
    const hardware::PartitionProfile& profile = group.profile;
    for (int n = 0; n < group.count; ++n, ++gpu_index) {
      GpuDevice gpu{
          .index = gpu_index,
          .product = profile.gpu->name,
          .display_name = profile.gpu->display_name,
          .pci_bus_id = PciBusId(gpu_index),
          .unique_id = "0x5a1" + std::to_string(1000 + gpu_index),
          .vbios_version = "113-SIM-000",
          .numa_node = gpu_index / 4,
          .partition_mode = profile.mode,
          .vram_total_bytes = profile.gpu->vram_bytes,
          .compute_units = profile.gpu->compute_units,
      };
      for (const hardware::PartitionMode& mode : profile.gpu->modes) {
        if (std::find(gpu.available_compute_modes.begin(), gpu.available_compute_modes.end(),
                      mode.compute) == gpu.available_compute_modes.end()) {
          gpu.available_compute_modes.push_back(mode.compute);
        }
        if (std::find(gpu.available_memory_modes.begin(), gpu.available_memory_modes.end(),
                      mode.memory) == gpu.available_memory_modes.end()) {
          gpu.available_memory_modes.push_back(mode.memory);
        }
      }
      gpu.power_cap_watts = 750;
      gpu.ecc_correctable_errors = 0;
      gpu.ecc_uncorrectable_errors = 0;
      gpu.pcie_width = 16;
      gpu.pcie_speed_gts = 32;
      gpu.memory_clock_mhz = kMemoryClockMhz;
      for (int p = 0; p < profile.partitions_per_gpu; ++p) {
        gpu.partitions.push_back({.index = partition_index++,
                                  .gpu_index = gpu_index,
                                  .index_in_gpu = p,
                                  .vram_total_bytes = profile.vram_bytes,
                                  .compute_units = profile.compute_units});
      }
      idle_.gpus.push_back(std::move(gpu));
    }
  }
}

void SimGpuBackend::ObserveWorkloads(std::span<const PartitionWorkload> workloads) {
  workloads_.clear();
  for (const PartitionWorkload& workload : workloads) workloads_[workload.partition] = workload;
}

StatusOr<NodeInventory> SimGpuBackend::Read() {
  NodeInventory inventory = idle_;
  for (GpuDevice& gpu : inventory.gpus) {
    double busy_sum = 0;
    for (GpuPartition& partition : gpu.partitions) {
      if (const auto it = workloads_.find(partition.index); it != workloads_.end()) {
        partition.vram_used_bytes =
            std::clamp<int64_t>(it->second.reserved_vram_bytes, 0, partition.vram_total_bytes);
        partition.busy_percent = BusyPercent(it->second.in_flight_requests);
      }
      gpu.vram_used_bytes += partition.vram_used_bytes;
      busy_sum += partition.busy_percent;
    }
    gpu.busy_percent =
        gpu.partitions.empty() ? 0 : busy_sum / static_cast<double>(gpu.partitions.size());
    gpu.power_watts = Between(kIdlePowerWatts, *gpu.power_cap_watts, gpu.busy_percent);
    gpu.junction_temperature_celsius =
        Between(kIdleJunctionCelsius, kFullJunctionCelsius, gpu.busy_percent);
    gpu.edge_temperature_celsius = Between(kIdleEdgeCelsius, kFullEdgeCelsius, gpu.busy_percent);
    gpu.memory_temperature_celsius =
        Between(kIdleMemoryCelsius, kFullMemoryCelsius, gpu.busy_percent);
    gpu.gfx_clock_mhz = Between(kIdleGfxClockMhz, kFullGfxClockMhz, gpu.busy_percent);
  }
  return inventory;
}

}  // namespace tessera::agent
