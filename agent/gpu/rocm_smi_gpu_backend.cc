#include "agent/gpu/rocm_smi_gpu_backend.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>

#include <rocm_smi/rocm_smi.h>

#include "agent/gpu/amd_gpu_products.h"
#include "agent/gpu/amdgpu_sysfs.h"
#include "agent/gpu/kfd_topology.h"
#include "hardware/gpu_catalog.h"

namespace tessera::agent {
namespace {

namespace fs = std::filesystem;

// The library reads the real /sys; so do we, for the files it lacks.
const fs::path& SysRoot() {
  static const auto* const kRoot = new fs::path("/");
  return *kRoot;
}

std::string_view StatusName(rsmi_status_t status) {
  switch (status) {
    case RSMI_STATUS_SUCCESS:
      return "RSMI_STATUS_SUCCESS";
    case RSMI_STATUS_INVALID_ARGS:
      return "RSMI_STATUS_INVALID_ARGS";
    case RSMI_STATUS_NOT_SUPPORTED:
      return "RSMI_STATUS_NOT_SUPPORTED";
    case RSMI_STATUS_FILE_ERROR:
      return "RSMI_STATUS_FILE_ERROR";
    case RSMI_STATUS_PERMISSION:
      return "RSMI_STATUS_PERMISSION";
    case RSMI_STATUS_OUT_OF_RESOURCES:
      return "RSMI_STATUS_OUT_OF_RESOURCES";
    case RSMI_STATUS_INTERNAL_EXCEPTION:
      return "RSMI_STATUS_INTERNAL_EXCEPTION";
    case RSMI_STATUS_INPUT_OUT_OF_BOUNDS:
      return "RSMI_STATUS_INPUT_OUT_OF_BOUNDS";
    case RSMI_STATUS_INIT_ERROR:
      return "RSMI_STATUS_INIT_ERROR";
    case RSMI_STATUS_NOT_YET_IMPLEMENTED:
      return "RSMI_STATUS_NOT_YET_IMPLEMENTED";
    case RSMI_STATUS_NOT_FOUND:
      return "RSMI_STATUS_NOT_FOUND";
    case RSMI_STATUS_INSUFFICIENT_SIZE:
      return "RSMI_STATUS_INSUFFICIENT_SIZE";
    case RSMI_STATUS_INTERRUPT:
      return "RSMI_STATUS_INTERRUPT";
    case RSMI_STATUS_UNEXPECTED_SIZE:
      return "RSMI_STATUS_UNEXPECTED_SIZE";
    case RSMI_STATUS_NO_DATA:
      return "RSMI_STATUS_NO_DATA";
    case RSMI_STATUS_UNEXPECTED_DATA:
      return "RSMI_STATUS_UNEXPECTED_DATA";
    case RSMI_STATUS_BUSY:
      return "RSMI_STATUS_BUSY";
    case RSMI_STATUS_REFCOUNT_OVERFLOW:
      return "RSMI_STATUS_REFCOUNT_OVERFLOW";
    default:
      return "RSMI_STATUS_UNKNOWN_ERROR";
  }
}

// "rsmi_init failed: RSMI_STATUS_INIT_ERROR: An error occurred during ...".
std::string DescribeFailure(std::string_view call, rsmi_status_t status) {
  std::string text = std::string(call) + " failed: " + std::string(StatusName(status));
  const char* description = nullptr;
  if (rsmi_status_string(status, &description) == RSMI_STATUS_SUCCESS && description != nullptr) {
    std::string_view detail = description;
    // Some of the library's descriptions start with the name, some do not.
    if (detail.starts_with(StatusName(status))) detail.remove_prefix(StatusName(status).size());
    while (detail.starts_with(':') || detail.starts_with(' ')) detail.remove_prefix(1);
    if (!detail.empty()) text += ": " + std::string(detail);
  }
  return text;
}

std::string PciBusId(uint64_t bdfid) {
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%04x:%02x:%02x.%x",
                static_cast<unsigned>((bdfid >> 32) & 0xffffffffU),
                static_cast<unsigned>((bdfid >> 8) & 0xffU),
                static_cast<unsigned>((bdfid >> 3) & 0x1fU), static_cast<unsigned>(bdfid & 0x7U));
  return text.data();
}

std::string HexId(uint64_t value, int digits) {
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "0x%0*llx", digits,
                static_cast<unsigned long long>(value));  // NOLINT(google-runtime-int)
  return text.data();
}

// The current modes from the library where it has the calls, else sysfs;
// the available lists always come from sysfs.
StatusOr<AmdgpuPartitionModes> ReadModes(uint32_t rsmi_index, const fs::path& device_directory) {
  TESSERA_ASSIGN_OR_RETURN(AmdgpuPartitionModes modes, ReadPartitionModes(device_directory));
#if defined(TESSERA_RSMI_HAS_COMPUTE_PARTITION)
  std::array<char, 64> compute{};
  if (rsmi_dev_compute_partition_get(rsmi_index, compute.data(),
                                     static_cast<uint32_t>(compute.size())) ==
      RSMI_STATUS_SUCCESS) {
    TESSERA_ASSIGN_OR_RETURN(
        modes.current.compute,
        ParseCurrentComputePartition(compute.data(), "rsmi_dev_compute_partition_get"));
  }
#endif
#if defined(TESSERA_RSMI_HAS_MEMORY_PARTITION)
  std::array<char, 64> memory{};
  if (rsmi_dev_memory_partition_get(rsmi_index, memory.data(),
                                    static_cast<uint32_t>(memory.size())) == RSMI_STATUS_SUCCESS) {
    TESSERA_ASSIGN_OR_RETURN(
        modes.current.memory,
        ParseCurrentMemoryPartition(memory.data(), "rsmi_dev_memory_partition_get"));
  }
#endif
  (void)rsmi_index;
  return modes;
}

// One librocm_smi64 device and the KFD nodes of its GPU.
struct Match {
  uint32_t rsmi_index = 0;
  std::string pci_bus_id;
  std::vector<KfdGpuNode> nodes;
};

StatusOr<std::vector<Match>> MatchDevicesToNodes() {
  uint32_t count = 0;
  if (const rsmi_status_t status = rsmi_num_monitor_devices(&count);
      status != RSMI_STATUS_SUCCESS) {
    return UnavailableError(DescribeFailure("rsmi_num_monitor_devices", status));
  }
  TESSERA_ASSIGN_OR_RETURN(const std::vector<KfdGpuNode> nodes, ReadKfdGpuNodes(SysRoot()));
  std::map<uint64_t, std::vector<KfdGpuNode>> groups;
  for (std::vector<KfdGpuNode>& group : GroupByPhysicalGpu(nodes)) {
    groups.emplace(PhysicalGpuKey(group.front()), std::move(group));
  }
  std::vector<Match> matches;
  for (uint32_t index = 0; index < count; ++index) {
    uint64_t bdfid = 0;
    if (const rsmi_status_t status = rsmi_dev_pci_id_get(index, &bdfid);
        status != RSMI_STATUS_SUCCESS) {
      return UnavailableError(DescribeFailure("rsmi_dev_pci_id_get", status) + " for device " +
                              std::to_string(index));
    }
    const uint64_t key = PhysicalGpuKey(static_cast<uint32_t>(bdfid >> 32),
                                        static_cast<uint32_t>((bdfid >> 8) & 0xffU),
                                        static_cast<uint32_t>((bdfid >> 3) & 0x1fU));
    const auto group = groups.find(key);
    // Newer libraries list each partition as a device on its GPU's bus
    // address; the first stands for the GPU.
    if (group == groups.end() || group->second.empty()) continue;
    matches.push_back({.rsmi_index = index,
                       .pci_bus_id = PciBusId(bdfid & ~uint64_t{0xf0000000}),
                       .nodes = std::move(group->second)});
    group->second.clear();
  }
  if (matches.empty()) {
    return NotFoundError("librocm_smi64 lists " + std::to_string(count) +
                         " devices, none with a KFD topology node under "
                         "/sys/class/kfd/kfd/topology/nodes");
  }
  std::sort(matches.begin(), matches.end(), [](const Match& a, const Match& b) {
    return a.nodes.front().device_index < b.nodes.front().device_index;
  });
  return matches;
}

// Fills the fixed part of one GPU: names, ids, totals, partitions.
StatusOr<GpuDevice> DescribeGpu(int gpu_index, const Match& match,
                                const fs::path& device_directory) {
  const KfdGpuNode& first = match.nodes.front();
  GpuDevice gpu;
  gpu.index = gpu_index;
  gpu.pci_bus_id = match.pci_bus_id;

  uint16_t device_id = first.device_id;
  (void)rsmi_dev_id_get(match.rsmi_index, &device_id);
  const AmdGpuProduct product = FindAmdGpuProduct(device_id);
  gpu.product = std::string(product.catalog_name);
  gpu.display_name = product.display_name.empty() ? "AMD GPU " + HexId(device_id, 4)
                                                  : std::string(product.display_name);
  if (!gpu.product.empty()) {
    if (StatusOr<const hardware::GpuSpec*> spec = hardware::FindGpu(gpu.product); spec.ok()) {
      gpu.display_name = (*spec)->display_name;
    }
  }

  uint64_t unique_id = first.unique_id;
  (void)rsmi_dev_unique_id_get(match.rsmi_index, &unique_id);
  if (unique_id != 0) gpu.unique_id = HexId(unique_id, 16);

  std::array<char, 256> vbios{};
  if (rsmi_dev_vbios_version_get(match.rsmi_index, vbios.data(),
                                 static_cast<uint32_t>(vbios.size())) == RSMI_STATUS_SUCCESS) {
    gpu.vbios_version = vbios.data();
  }
  // numa_node reads -1 on single-node machines; the library returns it
  // unsigned.
  if (uint32_t numa_node = 0;
      rsmi_topo_numa_affinity_get(match.rsmi_index, &numa_node) == RSMI_STATUS_SUCCESS &&
      numa_node < 4096) {
    gpu.numa_node = static_cast<int>(numa_node);
  }

  TESSERA_ASSIGN_OR_RETURN(const AmdgpuPartitionModes modes,
                           ReadModes(match.rsmi_index, device_directory));
  gpu.partition_mode = modes.current;
  gpu.available_compute_modes = modes.available_compute;
  gpu.available_memory_modes = modes.available_memory;

  uint64_t vram_total = 0;
  if (rsmi_dev_memory_total_get(match.rsmi_index, RSMI_MEM_TYPE_VRAM, &vram_total) ==
      RSMI_STATUS_SUCCESS) {
    gpu.vram_total_bytes = static_cast<int64_t>(vram_total);
  }
  int64_t partition_vram_sum = 0;
  for (const KfdGpuNode& node : match.nodes) partition_vram_sum += node.vram_bytes;
  if (gpu.vram_total_bytes == 0) gpu.vram_total_bytes = partition_vram_sum;

  const auto partition_count = static_cast<int64_t>(match.nodes.size());
  for (const KfdGpuNode& node : match.nodes) {
    GpuPartition partition{
        .index = node.device_index,
        .gpu_index = gpu_index,
        .index_in_gpu = static_cast<int>(gpu.partitions.size()),
        // One partition is the whole GPU; several share it as KFD reports,
        // or evenly where a kernel reports no banks.
        .vram_total_bytes = partition_count == 1  ? gpu.vram_total_bytes
                            : node.vram_bytes > 0 ? node.vram_bytes
                                                  : gpu.vram_total_bytes / partition_count,
        .compute_units = node.compute_units,
    };
    gpu.compute_units += node.compute_units;
    gpu.partitions.push_back(partition);
  }
  return gpu;
}

}  // namespace

StatusOr<std::unique_ptr<RocmSmiGpuBackend>> RocmSmiGpuBackend::Create(std::string hostname) {
  if (const rsmi_status_t status = rsmi_init(0); status != RSMI_STATUS_SUCCESS) {
    std::string message = DescribeFailure("rsmi_init", status);
    if (const std::string cause = DiagnoseRocmSmiInitFailure(SysRoot()); !cause.empty()) {
      message += "; " + cause;
    }
    return UnavailableError(std::move(message));
  }
  // From here on the library is initialised: every return shuts it down.
  auto build = [&]() -> StatusOr<std::unique_ptr<RocmSmiGpuBackend>> {
    TESSERA_ASSIGN_OR_RETURN(const std::vector<Match> matches, MatchDevicesToNodes());
    NodeInventory skeleton{.hostname = std::move(hostname), .backend = "rocm-smi"};
    std::vector<DeviceHandle> handles;
    for (const Match& match : matches) {
      const std::optional<fs::path> device_directory =
          FindDrmDeviceDirectory(SysRoot(), match.pci_bus_id);
      if (!device_directory) {
        return NotFoundError("GPU " + match.pci_bus_id +
                             ": no /sys/class/drm/card*/device links to it");
      }
      TESSERA_ASSIGN_OR_RETURN(GpuDevice gpu, DescribeGpu(static_cast<int>(skeleton.gpus.size()),
                                                          match, *device_directory));
      DeviceHandle handle{.rsmi_index = match.rsmi_index,
                          .device_directory = *device_directory,
                          .hwmon_directory = FindAmdgpuHwmon(*device_directory)};
      for (const KfdGpuNode& node : match.nodes) handle.partition_gpu_ids.push_back(node.gpu_id);
      skeleton.gpus.push_back(std::move(gpu));
      handles.push_back(std::move(handle));
    }
    return std::unique_ptr<RocmSmiGpuBackend>(
        new RocmSmiGpuBackend(std::move(skeleton), std::move(handles)));
  };
  StatusOr<std::unique_ptr<RocmSmiGpuBackend>> backend = build();
  if (!backend.ok()) (void)rsmi_shut_down();
  return backend;
}

RocmSmiGpuBackend::RocmSmiGpuBackend(NodeInventory skeleton, std::vector<DeviceHandle> handles)
    : skeleton_(std::move(skeleton)), handles_(std::move(handles)) {}

RocmSmiGpuBackend::~RocmSmiGpuBackend() { (void)rsmi_shut_down(); }

Status RocmSmiGpuBackend::CheckPartitionMode(const DeviceHandle& handle, const GpuDevice& gpu) {
  StatusOr<AmdgpuPartitionModes> modes = ReadModes(handle.rsmi_index, handle.device_directory);
  if (!modes.ok()) return modes.status().WithContext("GPU " + gpu.pci_bus_id);
  if (modes->current == gpu.partition_mode) return OkStatus();
  return FailedPreconditionError(
      "GPU " + gpu.pci_bus_id + ": partition mode changed from " +
      hardware::PartitionModeName(gpu.partition_mode) + " to " +
      hardware::PartitionModeName(modes->current) +
      " since the agent started; restart the agent to enumerate the new partitions");
}

void RocmSmiGpuBackend::ReadDevice(const DeviceHandle& handle, GpuDevice& gpu) {
  const uint32_t index = handle.rsmi_index;
  if (uint32_t busy = 0; rsmi_dev_busy_percent_get(index, &busy) == RSMI_STATUS_SUCCESS) {
    gpu.busy_percent = std::min<double>(busy, 100);
  }
  if (uint64_t used = 0;
      rsmi_dev_memory_usage_get(index, RSMI_MEM_TYPE_VRAM, &used) == RSMI_STATUS_SUCCESS) {
    gpu.vram_used_bytes = static_cast<int64_t>(used);
  }

  bool temperature_missing = false;
  auto temperature = [&](rsmi_temperature_type_t sensor) -> std::optional<double> {
    int64_t millidegrees = 0;
    if (rsmi_dev_temp_metric_get(index, sensor, RSMI_TEMP_CURRENT, &millidegrees) ==
        RSMI_STATUS_SUCCESS) {
      return static_cast<double>(millidegrees) / 1000.0;
    }
    temperature_missing = true;
    return std::nullopt;
  };
  gpu.edge_temperature_celsius = temperature(RSMI_TEMP_TYPE_EDGE);
  gpu.junction_temperature_celsius = temperature(RSMI_TEMP_TYPE_JUNCTION);
  gpu.memory_temperature_celsius = temperature(RSMI_TEMP_TYPE_MEMORY);
  if (temperature_missing && handle.hwmon_directory) {
    const HwmonTemperatures fallback = ReadHwmonTemperatures(*handle.hwmon_directory);
    if (!gpu.edge_temperature_celsius) gpu.edge_temperature_celsius = fallback.edge;
    if (!gpu.junction_temperature_celsius) gpu.junction_temperature_celsius = fallback.junction;
    if (!gpu.memory_temperature_celsius) gpu.memory_temperature_celsius = fallback.memory;
  }

  if (uint64_t microwatts = 0;
      rsmi_dev_power_ave_get(index, 0, &microwatts) == RSMI_STATUS_SUCCESS) {
    gpu.power_watts = static_cast<double>(microwatts) / 1e6;
  } else if (handle.hwmon_directory) {
    gpu.power_watts = ReadHwmonPowerWatts(*handle.hwmon_directory);
  }
  if (uint64_t microwatts = 0;
      rsmi_dev_power_cap_get(index, 0, &microwatts) == RSMI_STATUS_SUCCESS && microwatts > 0) {
    gpu.power_cap_watts = static_cast<double>(microwatts) / 1e6;
  }
  if (handle.hwmon_directory) {
    gpu.gfx_clock_mhz = ReadHwmonClockMhz(*handle.hwmon_directory, 1);
    gpu.memory_clock_mhz = ReadHwmonClockMhz(*handle.hwmon_directory, 2);
  }
  if (const std::optional<EccCounts> ecc = ReadRasErrorCounts(handle.device_directory)) {
    gpu.ecc_correctable_errors = ecc->correctable;
    gpu.ecc_uncorrectable_errors = ecc->uncorrectable;
  }
  const PcieLink link = ReadPcieLink(handle.device_directory);
  gpu.pcie_width = link.width;
  gpu.pcie_speed_gts = link.speed_gts;
}

StatusOr<NodeInventory> RocmSmiGpuBackend::Read() {
  NodeInventory inventory = skeleton_;
  std::optional<std::map<uint32_t, int64_t>> process_vram;
  for (size_t i = 0; i < inventory.gpus.size(); ++i) {
    GpuDevice& gpu = inventory.gpus[i];
    const DeviceHandle& handle = handles_[i];
    TESSERA_RETURN_IF_ERROR(CheckPartitionMode(handle, gpu));
    ReadDevice(handle, gpu);
    if (gpu.partitions.size() == 1) {
      gpu.partitions.front().vram_used_bytes = gpu.vram_used_bytes;
      gpu.partitions.front().busy_percent = gpu.busy_percent;
      continue;
    }
    // Read once for all GPUs, and only on a node with partitioned GPUs.
    if (!process_vram) process_vram = ReadKfdProcessVram(SysRoot());
    for (size_t p = 0; p < gpu.partitions.size(); ++p) {
      GpuPartition& partition = gpu.partitions[p];
      const auto used = process_vram->find(handle.partition_gpu_ids[p]);
      partition.vram_used_bytes =
          used == process_vram->end() ? 0 : std::min(used->second, partition.vram_total_bytes);
      partition.busy_percent = gpu.busy_percent;
    }
  }
  return inventory;
}

StatusOr<std::unique_ptr<GpuBackend>> CreateRocmSmiGpuBackend(std::string hostname) {
  StatusOr<std::unique_ptr<RocmSmiGpuBackend>> backend =
      RocmSmiGpuBackend::Create(std::move(hostname));
  if (!backend.ok()) return backend.status();
  return std::unique_ptr<GpuBackend>(*std::move(backend));
}

}  // namespace tessera::agent
