// Lays out the sysfs files amdgpu and KFD create for AMD Instinct GPUs, under
// any root: a temporary directory for the sysfs parsing tests, or "/" inside a
// private mount namespace (tmpfs over /sys/class and /sys/devices), where the
// real librocm_smi64 enumerates it.
//
// The layout follows the kernel's:
//   sys/devices/pci0000:00/0000:00:01.1/<bdf>/     the GPU's PCI device:
//       vendor, device, vbios_version, unique_id, numa_node, mem_info_vram_*,
//       gpu_busy_percent, current_link_*, *_compute_partition,
//       *_memory_partition, ras/*_err_count, drm/cardN, drm/renderDN,
//       hwmon/hwmonM (name amdgpu, temp*_label/_input, in0_label, power1_*,
//       freq*_input)
//   sys/devices/platform/amdgpu_xcp_K/drm/cardN    partitions 1..n-1 in
//       DPX/QPX/CPX (amdgpu registers a platform device per extra partition)
//   sys/class/drm/cardN, renderDN -> ../../devices/.../drm/...
//   sys/class/kfd/kfd -> ../../devices/virtual/kfd/kfd, whose
//       topology/nodes/<n>/{gpu_id,name,properties,mem_banks,io_links,
//       p2p_links,caches} has the CPU nodes first and then one node per
//       partition, location_id carrying the partition in bits 31:28.

#ifndef TESSERA_TESTS_UNIT_AGENT_GPU_FAKE_AMDGPU_TREE_H_
#define TESSERA_TESTS_UNIT_AGENT_GPU_FAKE_AMDGPU_TREE_H_

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tessera::agent::testing {

constexpr int64_t kGiB = int64_t{1} << 30;

struct FakeGpu {
  std::string pci_bus_id = "0000:05:00.0";
  uint16_t device_id = 0x74a1;  // MI300X
  uint64_t unique_id = 0x4e4a6e1d3d2c1b0a;
  std::string vbios_version = "113-M3000100-102";
  int numa_node = 0;
  std::string compute_partition = "SPX";  // as the kernel prints it
  std::string memory_partition = "NPS1";
  int partitions = 1;       // 1, 2, 4 or 8: KFD nodes and drm cards
  int compute_units = 304;  // the whole GPU's
  int64_t vram_total_bytes = 192 * kGiB;
  int64_t vram_used_bytes = 0;
  int busy_percent = 0;
  std::optional<double> edge_celsius{};  // MI300-class parts have none
  double junction_celsius = 45;
  double memory_celsius = 40;
  double power_watts = 150;
  bool power_average = true;  // power1_average; else only power1_input
  double power_cap_watts = 750;
  // in0_label "vddgfx": librocm_smi64 5.2.3 cannot initialise without it,
  // though amdgpu hides in0 on MI300-class parts.
  bool vddgfx_label = true;
  int64_t gfx_clock_hz = 2'100'000'000;
  int64_t memory_clock_hz = 1'300'000'000;
  int64_t ecc_correctable = 0;
  int64_t ecc_uncorrectable = 0;
  int pcie_width = 16;
  std::string pcie_speed = "32.0 GT/s PCIe";
};

struct FakeTree {
  // KFD gpu_id of each GPU's partitions, GPUs in the order given.
  std::vector<std::vector<uint32_t>> gpu_ids;
  // The PCI device directory of each GPU.
  std::vector<std::filesystem::path> device_directories;
};

// Writes `gpus` under `root`: drm cards in the order given, KFD nodes in
// `kfd_order` (indices into `gpus`; empty: the same order) after
// `cpu_nodes` CPU nodes.
FakeTree WriteFakeAmdgpuTree(const std::filesystem::path& root, const std::vector<FakeGpu>& gpus,
                             const std::vector<size_t>& kfd_order = {}, int cpu_nodes = 2);

// Writes `text` to `path`, creating its directories.
void WriteText(const std::filesystem::path& path, const std::string& text);

}  // namespace tessera::agent::testing

#endif  // TESSERA_TESTS_UNIT_AGENT_GPU_FAKE_AMDGPU_TREE_H_
