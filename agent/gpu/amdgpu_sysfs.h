// The amdgpu sysfs files the rocm-smi backend reads itself: the partition
// modes librocm_smi64 5.2.3 has no calls for, and readings whose 5.2.3 parser
// cannot be trusted with what amdgpu prints. Debian builds that library with
// assertions on, so a line it does not expect aborts the agent (both seen
// with 5.2.3): its clock table parser (pp_dpm_*) asserts on the unit, which
// the deep-sleep "S:" level some parts list lacks, and its RAS parser asserts
// on exactly two lines where MI300 kernels print three ("de:" for deferred
// errors). Every function takes the directory it reads, so tests lay the
// files out in a temporary directory.
//
// Paths: `device_directory` is a GPU's PCI device directory, reached as
// /sys/class/drm/cardN/device; `hwmon_directory` is its
// device/hwmon/hwmonM whose name is "amdgpu".

#ifndef TESSERA_AGENT_GPU_AMDGPU_SYSFS_H_
#define TESSERA_AGENT_GPU_AMDGPU_SYSFS_H_

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "hardware/partition_mode.h"

namespace tessera::agent {

struct AmdgpuPartitionModes {
  hardware::PartitionMode current;
  std::vector<hardware::ComputePartition> available_compute{};
  std::vector<hardware::MemoryPartition> available_memory{};
};

// current_compute_partition ("CPX"), current_memory_partition ("NPS4") and
// their available_* lists ("SPX, DPX, QPX, CPX"). A GPU without the files
// cannot be partitioned: SPX and NPS1, and only those available. A current
// mode Tessera does not know (MI300A's TPX) is an error naming the file.
StatusOr<AmdgpuPartitionModes> ReadPartitionModes(const std::filesystem::path& device_directory);

// "CPX" or "cpx" as the kernel (or rsmi_dev_compute_partition_get) reports
// it; errors name `source`.
StatusOr<hardware::ComputePartition> ParseCurrentComputePartition(std::string_view text,
                                                                  std::string_view source);
StatusOr<hardware::MemoryPartition> ParseCurrentMemoryPartition(std::string_view text,
                                                                std::string_view source);

// The PCI device directory of the drm card on `pci_bus_id` ("0000:03:00.0"),
// found under `sys_root`/sys/class/drm; nullopt when no card is there.
std::optional<std::filesystem::path> FindDrmDeviceDirectory(const std::filesystem::path& sys_root,
                                                            std::string_view pci_bus_id);

// device/hwmon/hwmonN whose name is amdgpu.
std::optional<std::filesystem::path> FindAmdgpuHwmon(const std::filesystem::path& device_directory);

// Sensors by label (temp*_label: edge, junction, mem), in °C. MI300-class
// parts have no edge sensor: their temp1 is hidden, temp2 is junction and
// temp3 mem.
struct HwmonTemperatures {
  std::optional<double> edge;
  std::optional<double> junction;
  std::optional<double> memory;
};
HwmonTemperatures ReadHwmonTemperatures(const std::filesystem::path& hwmon_directory);

// Socket power in watts: power1_average, or power1_input where the part
// reports only the instantaneous value (MI300-class parts on newer kernels).
std::optional<double> ReadHwmonPowerWatts(const std::filesystem::path& hwmon_directory);

// freq1_input (gfx) or freq2_input (memory), Hz in the file, MHz here.
std::optional<double> ReadHwmonClockMhz(const std::filesystem::path& hwmon_directory, int index);

// Error counts summed over every RAS block (device/ras/*_err_count, lines
// "ue: N" and "ce: N"; other lines ignored). nullopt without RAS, or while
// the driver answers "Query currently inaccessible" for every block.
struct EccCounts {
  int64_t correctable = 0;
  int64_t uncorrectable = 0;
};
std::optional<EccCounts> ReadRasErrorCounts(const std::filesystem::path& device_directory);

// current_link_width ("16") and current_link_speed ("32.0 GT/s PCIe").
struct PcieLink {
  std::optional<int> width;
  std::optional<double> speed_gts;
};
PcieLink ReadPcieLink(const std::filesystem::path& device_directory);

// Why rsmi_init most likely failed, for its error message: no amdgpu card,
// no KFD topology, or an amdgpu hwmon without in0_label (librocm_smi64
// before ROCm 5.6 throws inside rsmi_init without it, and MI300-class parts
// have no in0). Empty when none of these is the case.
std::string DiagnoseRocmSmiInitFailure(const std::filesystem::path& sys_root);

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_GPU_AMDGPU_SYSFS_H_
