#include "agent/gpu/amdgpu_sysfs.h"

#include <algorithm>
#include <charconv>
#include <system_error>

#include "agent/gpu/sysfs_file.h"

namespace tessera::agent {
namespace {

namespace fs = std::filesystem;
using hardware::ComputePartition;
using hardware::MemoryPartition;

constexpr int64_t kAmdVendorId = 0x1002;
// hwmon numbers its channels from 1; amdgpu has at most three temperatures,
// but later parts may add more, so look a little further.
constexpr int kMaxTemperatureChannel = 8;

// "SPX, DPX, QPX, CPX": the names Tessera knows, in the kernel's order.
template <typename Mode, typename Parse>
std::vector<Mode> ParseModeList(std::string_view text, Parse parse) {
  std::vector<Mode> modes;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view name = TrimSysfsText(text.substr(0, comma));
    text.remove_prefix(comma == std::string_view::npos ? text.size() : comma + 1);
    if (name.empty()) continue;
    StatusOr<Mode> mode = parse(name);
    if (mode.ok() && std::find(modes.begin(), modes.end(), *mode) == modes.end()) {
      modes.push_back(*mode);
    }
  }
  return modes;
}

std::optional<double> ParseDouble(std::string_view text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc()) return std::nullopt;
  return value;
}

// cardN under sys/class/drm, in order; cardN-DP-1 and the like are
// connectors, renderDN share their card's device.
std::vector<std::string> DrmCards(const fs::path& drm) {
  std::vector<std::string> cards = ListSysfsDirectory(drm);
  std::erase_if(cards, [](const std::string& name) {
    return !name.starts_with("card") || name.find('-') != std::string::npos;
  });
  std::sort(cards.begin(), cards.end());
  return cards;
}

bool HasAmdCard(const fs::path& drm) {
  return std::ranges::any_of(DrmCards(drm), [&drm](const std::string& card) {
    return ReadSysfsInteger(drm / card / "device/vendor") == kAmdVendorId;
  });
}

}  // namespace

StatusOr<ComputePartition> ParseCurrentComputePartition(std::string_view text,
                                                        std::string_view source) {
  StatusOr<ComputePartition> mode = hardware::ParseComputePartition(TrimSysfsText(text));
  if (!mode.ok()) return mode.status().WithContext(source);
  return mode;
}

StatusOr<MemoryPartition> ParseCurrentMemoryPartition(std::string_view text,
                                                      std::string_view source) {
  StatusOr<MemoryPartition> mode = hardware::ParseMemoryPartition(TrimSysfsText(text));
  if (!mode.ok()) return mode.status().WithContext(source);
  return mode;
}

StatusOr<AmdgpuPartitionModes> ReadPartitionModes(const fs::path& device_directory) {
  AmdgpuPartitionModes modes;
  const fs::path current_compute = device_directory / "current_compute_partition";
  if (const std::optional<std::string> text = ReadSysfsText(current_compute)) {
    TESSERA_ASSIGN_OR_RETURN(modes.current.compute,
                             ParseCurrentComputePartition(*text, current_compute.string()));
  }
  const fs::path current_memory = device_directory / "current_memory_partition";
  if (const std::optional<std::string> text = ReadSysfsText(current_memory)) {
    TESSERA_ASSIGN_OR_RETURN(modes.current.memory,
                             ParseCurrentMemoryPartition(*text, current_memory.string()));
  }
  if (const auto text = ReadSysfsText(device_directory / "available_compute_partition")) {
    modes.available_compute =
        ParseModeList<ComputePartition>(*text, hardware::ParseComputePartition);
  }
  if (const auto text = ReadSysfsText(device_directory / "available_memory_partition")) {
    modes.available_memory = ParseModeList<MemoryPartition>(*text, hardware::ParseMemoryPartition);
  }
  if (std::find(modes.available_compute.begin(), modes.available_compute.end(),
                modes.current.compute) == modes.available_compute.end()) {
    modes.available_compute.push_back(modes.current.compute);
  }
  if (std::find(modes.available_memory.begin(), modes.available_memory.end(),
                modes.current.memory) == modes.available_memory.end()) {
    modes.available_memory.push_back(modes.current.memory);
  }
  return modes;
}

std::optional<fs::path> FindDrmDeviceDirectory(const fs::path& sys_root,
                                               std::string_view pci_bus_id) {
  const fs::path drm = sys_root / "sys/class/drm";
  for (const std::string& name : DrmCards(drm)) {
    std::error_code error;
    const fs::path target = fs::read_symlink(drm / name / "device", error);
    if (!error && target.filename() == pci_bus_id) return drm / name / "device";
  }
  return std::nullopt;
}

std::optional<fs::path> FindAmdgpuHwmon(const fs::path& device_directory) {
  std::vector<std::string> monitors = ListSysfsDirectory(device_directory / "hwmon");
  std::sort(monitors.begin(), monitors.end());
  for (const std::string& name : monitors) {
    fs::path hwmon = device_directory / "hwmon" / name;
    if (ReadSysfsText(hwmon / "name") == "amdgpu") return hwmon;
  }
  return std::nullopt;
}

HwmonTemperatures ReadHwmonTemperatures(const fs::path& hwmon_directory) {
  HwmonTemperatures temperatures;
  for (int channel = 1; channel <= kMaxTemperatureChannel; ++channel) {
    const std::string prefix = "temp" + std::to_string(channel);
    const std::optional<std::string> label = ReadSysfsText(hwmon_directory / (prefix + "_label"));
    if (!label) continue;
    const std::optional<int64_t> millidegrees =
        ReadSysfsInteger(hwmon_directory / (prefix + "_input"));
    if (!millidegrees) continue;
    const double celsius = static_cast<double>(*millidegrees) / 1000.0;
    if (*label == "edge") temperatures.edge = celsius;
    if (*label == "junction") temperatures.junction = celsius;
    if (*label == "mem") temperatures.memory = celsius;
  }
  return temperatures;
}

std::optional<double> ReadHwmonPowerWatts(const fs::path& hwmon_directory) {
  for (const char* file : {"power1_average", "power1_input"}) {
    if (const std::optional<int64_t> microwatts = ReadSysfsInteger(hwmon_directory / file)) {
      return static_cast<double>(*microwatts) / 1e6;
    }
  }
  return std::nullopt;
}

std::optional<double> ReadHwmonClockMhz(const fs::path& hwmon_directory, int index) {
  const std::optional<int64_t> hertz =
      ReadSysfsInteger(hwmon_directory / ("freq" + std::to_string(index) + "_input"));
  if (!hertz) return std::nullopt;
  return static_cast<double>(*hertz) / 1e6;
}

std::optional<EccCounts> ReadRasErrorCounts(const fs::path& device_directory) {
  const fs::path ras = device_directory / "ras";
  EccCounts counts;
  bool any = false;
  for (const std::string& name : ListSysfsDirectory(ras)) {
    if (!name.ends_with("_err_count")) continue;
    const std::optional<std::string> text = ReadSysfsText(ras / name);
    if (!text) continue;
    std::string_view rest = *text;
    while (!rest.empty()) {
      const size_t newline = rest.find('\n');
      const std::string_view line = TrimSysfsText(rest.substr(0, newline));
      rest.remove_prefix(newline == std::string_view::npos ? rest.size() : newline + 1);
      const bool uncorrectable = line.starts_with("ue:");
      if (!uncorrectable && !line.starts_with("ce:")) continue;
      const std::optional<int64_t> value = ParseSysfsInteger(line.substr(3));
      if (!value) continue;
      (uncorrectable ? counts.uncorrectable : counts.correctable) += *value;
      any = true;
    }
  }
  if (!any) return std::nullopt;
  return counts;
}

PcieLink ReadPcieLink(const fs::path& device_directory) {
  PcieLink link;
  if (const std::optional<int64_t> width =
          ReadSysfsInteger(device_directory / "current_link_width");
      width && *width > 0 && *width <= 64) {
    link.width = static_cast<int>(*width);
  }
  if (const std::optional<std::string> speed =
          ReadSysfsText(device_directory / "current_link_speed")) {
    // "32.0 GT/s PCIe"; "Unknown" when the link is down.
    const std::string_view text = *speed;
    link.speed_gts = ParseDouble(text.substr(0, text.find(' ')));
  }
  return link;
}

std::string DiagnoseRocmSmiInitFailure(const fs::path& sys_root) {
  const fs::path drm = sys_root / "sys/class/drm";
  if (!HasAmdCard(drm)) {
    return "no AMD GPU driver (amdgpu) found: no " + drm.string() +
           "/card*/device/vendor reads 0x1002";
  }
  std::error_code error;
  if (!fs::is_directory(sys_root / "sys/class/kfd/kfd/topology/nodes", error)) {
    return "amdgpu is loaded but KFD is not: no " + (sys_root / "sys/class/kfd").string();
  }
  for (const std::string& name : DrmCards(drm)) {
    const std::optional<fs::path> hwmon = FindAmdgpuHwmon(drm / name / "device");
    if (hwmon && !ReadSysfsText(*hwmon / "in0_label")) {
      return (*hwmon / "in0_label").string() +
             " is missing: librocm_smi64 before ROCm 5.6 requires it and MI300-class GPUs have "
             "none; install a newer librocm_smi64";
    }
  }
  return "";
}

}  // namespace tessera::agent
