#include "agent/gpu/kfd_topology.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
#include <string_view>

#include "agent/gpu/sysfs_file.h"
#include "base/numbers.h"

namespace tessera::agent {
namespace {

namespace fs = std::filesystem;

// HSA heap types of a memory bank: frame buffer visible to the host, and not.
constexpr uint64_t kHeapFrameBufferPublic = 1;
constexpr uint64_t kHeapFrameBufferPrivate = 2;

// "name value" per line; values are unsigned decimal (hive_id and unique_id
// exceed int64).
std::map<std::string, uint64_t, std::less<>> ParseProperties(std::string_view text) {
  std::map<std::string, uint64_t, std::less<>> properties;
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    const std::string_view line = TrimSysfsText(text.substr(0, newline));
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) continue;
    if (const std::optional<uint64_t> value =
            ParseInteger<uint64_t>(TrimSysfsText(line.substr(space)))) {
      properties.emplace(std::string(line.substr(0, space)), *value);
    }
  }
  return properties;
}

uint64_t PropertyOr(const std::map<std::string, uint64_t, std::less<>>& properties,
                    std::string_view name, uint64_t fallback) {
  const auto it = properties.find(name);
  return it == properties.end() ? fallback : it->second;
}

// Numbered subdirectories of `directory` in numeric order.
std::vector<std::pair<int, fs::path>> NumberedEntries(const fs::path& directory) {
  std::vector<std::pair<int, fs::path>> entries;
  for (const std::string& name : ListSysfsDirectory(directory)) {
    const std::optional<uint64_t> number = ParseInteger<uint64_t>(name);
    if (number && *number < 1'000'000)
      entries.emplace_back(static_cast<int>(*number), directory / name);
  }
  std::sort(entries.begin(), entries.end());
  return entries;
}

int64_t LocalMemoryBytes(const fs::path& node_directory,
                         const std::map<std::string, uint64_t, std::less<>>& properties) {
  uint64_t total = 0;
  for (const auto& [bank, path] : NumberedEntries(node_directory / "mem_banks")) {
    const std::optional<std::string> text = ReadSysfsText(path / "properties");
    if (!text) continue;
    const auto bank_properties = ParseProperties(*text);
    const uint64_t heap = PropertyOr(bank_properties, "heap_type", 0);
    if (heap == kHeapFrameBufferPublic || heap == kHeapFrameBufferPrivate) {
      total += PropertyOr(bank_properties, "size_in_bytes", 0);
    }
  }
  // Kernels before memory banks were reported per partition carry the size
  // in the node's own properties.
  if (total == 0) total = PropertyOr(properties, "local_mem_size", 0);
  return static_cast<int64_t>(std::min<uint64_t>(total, INT64_MAX));
}

int ComputeUnits(const std::map<std::string, uint64_t, std::less<>>& properties) {
  const uint64_t simd_count = PropertyOr(properties, "simd_count", 0);
  const uint64_t simd_per_cu = PropertyOr(properties, "simd_per_cu", 0);
  uint64_t units = simd_per_cu > 0 ? simd_count / simd_per_cu : 0;
  if (units == 0) {
    units =
        PropertyOr(properties, "array_count", 0) * PropertyOr(properties, "cu_per_simd_array", 0);
  }
  return static_cast<int>(std::min<uint64_t>(units, 1 << 20));
}

}  // namespace

std::string KfdPciBusId(const KfdGpuNode& node) {
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%04x:%02x:%02x.%x", node.domain,
                (node.location_id >> 8) & 0xffU, (node.location_id >> 3) & 0x1fU,
                node.location_id & 0x7U);
  return text.data();
}

uint64_t PhysicalGpuKey(uint32_t domain, uint32_t bus, uint32_t device) {
  return (uint64_t{domain} << 16) | ((bus & 0xffU) << 8) | ((device & 0x1fU) << 3);
}

uint64_t PhysicalGpuKey(const KfdGpuNode& node) {
  return PhysicalGpuKey(node.domain, (node.location_id >> 8) & 0xffU,
                        (node.location_id >> 3) & 0x1fU);
}

StatusOr<std::vector<KfdGpuNode>> ReadKfdGpuNodes(const fs::path& sys_root) {
  const fs::path nodes_directory = sys_root / "sys/class/kfd/kfd/topology/nodes";
  std::error_code error;
  if (!fs::is_directory(nodes_directory, error)) {
    return NotFoundError(nodes_directory.string() +
                         ": no KFD topology (is the amdgpu driver loaded?)");
  }
  std::vector<KfdGpuNode> nodes;
  for (const auto& [node_id, path] : NumberedEntries(nodes_directory)) {
    const std::optional<int64_t> gpu_id = ReadSysfsInteger(path / "gpu_id");
    if (!gpu_id || *gpu_id == 0) continue;  // a CPU node
    const std::optional<std::string> text = ReadSysfsText(path / "properties");
    if (!text) {
      return UnavailableError((path / "properties").string() + ": cannot read");
    }
    const auto properties = ParseProperties(*text);
    nodes.push_back({
        .node_id = node_id,
        .device_index = static_cast<int>(nodes.size()),
        .gpu_id = static_cast<uint32_t>(*gpu_id),
        .domain = static_cast<uint32_t>(PropertyOr(properties, "domain", 0)),
        .location_id = static_cast<uint32_t>(PropertyOr(properties, "location_id", 0)),
        .device_id = static_cast<uint16_t>(PropertyOr(properties, "device_id", 0)),
        .unique_id = PropertyOr(properties, "unique_id", 0),
        .compute_units = ComputeUnits(properties),
        .vram_bytes = LocalMemoryBytes(path, properties),
    });
  }
  return nodes;
}

std::vector<std::vector<KfdGpuNode>> GroupByPhysicalGpu(const std::vector<KfdGpuNode>& nodes) {
  std::vector<std::vector<KfdGpuNode>> groups;
  std::map<uint64_t, size_t> group_of_key;
  for (const KfdGpuNode& node : nodes) {
    const auto [it, inserted] = group_of_key.emplace(PhysicalGpuKey(node), groups.size());
    if (inserted) groups.emplace_back();
    groups[it->second].push_back(node);
  }
  return groups;
}

std::map<uint32_t, int64_t> ReadKfdProcessVram(const fs::path& sys_root) {
  std::map<uint32_t, int64_t> used;
  const fs::path processes = sys_root / "sys/class/kfd/kfd/proc";
  for (const std::string& process : ListSysfsDirectory(processes)) {
    for (const std::string& name : ListSysfsDirectory(processes / process)) {
      constexpr std::string_view kPrefix = "vram_";
      if (!name.starts_with(kPrefix)) continue;
      const std::optional<uint64_t> gpu_id = ParseInteger<uint64_t>(name.substr(kPrefix.size()));
      const std::optional<int64_t> bytes = ReadSysfsInteger(processes / process / name);
      if (gpu_id && bytes && *bytes > 0) used[static_cast<uint32_t>(*gpu_id)] += *bytes;
    }
  }
  return used;
}

}  // namespace tessera::agent
