#include "tests/unit/agent/gpu/fake_amdgpu_tree.h"

#include <array>
#include <cstdio>
#include <fstream>
#include <numeric>

namespace tessera::agent::testing {
namespace {

namespace fs = std::filesystem;

constexpr int kFirstRenderMinor = 128;
constexpr int kSimdPerCu = 4;

std::string Hex(uint64_t value, int digits) {
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%0*llx", digits,
                static_cast<unsigned long long>(value));  // NOLINT(google-runtime-int)
  return text.data();
}

std::string Number(double value) {
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%lld",
                static_cast<long long>(value));  // NOLINT(google-runtime-int)
  return text.data();
}

void Link(const fs::path& link, const fs::path& target) {
  fs::create_directories(link.parent_path());
  fs::create_symlink(target, link);
}

// "0000:05:00.0" as domain and bus << 8 | device << 3 | function.
std::pair<uint32_t, uint32_t> ParseBusId(const std::string& bus_id) {
  unsigned domain = 0;
  unsigned bus = 0;
  unsigned device = 0;
  unsigned function = 0;
  std::sscanf(bus_id.c_str(), "%x:%x:%x.%x", &domain, &bus, &device, &function);  // NOLINT
  return {domain, (bus << 8) | (device << 3) | function};
}

void WriteDevice(const fs::path& device, const FakeGpu& gpu, int hwmon_number) {
  WriteText(device / "vendor", "0x1002\n");
  WriteText(device / "device", "0x" + Hex(gpu.device_id, 4) + "\n");
  WriteText(device / "subsystem_vendor", "0x1002\n");
  WriteText(device / "subsystem_device", "0x" + Hex(gpu.device_id, 4) + "\n");
  WriteText(device / "vbios_version", gpu.vbios_version + "\n");
  WriteText(device / "unique_id", Hex(gpu.unique_id, 16) + "\n");
  WriteText(device / "numa_node", std::to_string(gpu.numa_node) + "\n");
  WriteText(device / "mem_info_vram_total", std::to_string(gpu.vram_total_bytes) + "\n");
  WriteText(device / "mem_info_vram_used", std::to_string(gpu.vram_used_bytes) + "\n");
  WriteText(device / "mem_info_vis_vram_total", std::to_string(gpu.vram_total_bytes) + "\n");
  WriteText(device / "mem_info_vis_vram_used", std::to_string(gpu.vram_used_bytes) + "\n");
  WriteText(device / "gpu_busy_percent", std::to_string(gpu.busy_percent) + "\n");
  WriteText(device / "current_link_width", std::to_string(gpu.pcie_width) + "\n");
  WriteText(device / "current_link_speed", gpu.pcie_speed + "\n");
  WriteText(device / "max_link_width", "16\n");
  WriteText(device / "max_link_speed", "32.0 GT/s PCIe\n");
  WriteText(device / "current_compute_partition", gpu.compute_partition + "\n");
  WriteText(device / "available_compute_partition", "SPX, DPX, QPX, CPX\n");
  WriteText(device / "current_memory_partition", gpu.memory_partition + "\n");
  WriteText(device / "available_memory_partition", "NPS1, NPS4\n");
  // MI300-class kernels add a third line for deferred errors to the UMC
  // block, which librocm_smi64 5.2.3 asserts against.
  WriteText(device / "ras/umc_err_count", "ue: " + std::to_string(gpu.ecc_uncorrectable) +
                                              "\nce: " + std::to_string(gpu.ecc_correctable) +
                                              "\nde: 0\n");
  WriteText(device / "ras/gfx_err_count", "ue: 0\nce: 0\n");
  WriteText(device / "ras/features", "feature mask: 0x00003f7f\n");

  const fs::path hwmon = device / "hwmon" / ("hwmon" + std::to_string(hwmon_number));
  WriteText(hwmon / "name", "amdgpu\n");
  if (gpu.edge_celsius) {
    WriteText(hwmon / "temp1_label", "edge\n");
    WriteText(hwmon / "temp1_input", Number(*gpu.edge_celsius * 1000) + "\n");
  }
  WriteText(hwmon / "temp2_label", "junction\n");
  WriteText(hwmon / "temp2_input", Number(gpu.junction_celsius * 1000) + "\n");
  WriteText(hwmon / "temp2_crit", "110000\n");
  WriteText(hwmon / "temp3_label", "mem\n");
  WriteText(hwmon / "temp3_input", Number(gpu.memory_celsius * 1000) + "\n");
  if (gpu.vddgfx_label) {
    WriteText(hwmon / "in0_label", "vddgfx\n");
    WriteText(hwmon / "in0_input", "750\n");
  }
  WriteText(hwmon / (gpu.power_average ? "power1_average" : "power1_input"),
            Number(gpu.power_watts * 1e6) + "\n");
  WriteText(hwmon / "power1_cap", Number(gpu.power_cap_watts * 1e6) + "\n");
  WriteText(hwmon / "power1_cap_max", Number(gpu.power_cap_watts * 1e6) + "\n");
  WriteText(hwmon / "power1_cap_min", "0\n");
  WriteText(hwmon / "freq1_label", "sclk\n");
  WriteText(hwmon / "freq1_input", std::to_string(gpu.gfx_clock_hz) + "\n");
  WriteText(hwmon / "freq2_label", "mclk\n");
  WriteText(hwmon / "freq2_input", std::to_string(gpu.memory_clock_hz) + "\n");
}

// A drm card and its render node under `owner` (a PCI or platform device),
// linked from sys/class/drm.
void WriteCard(const fs::path& root, const fs::path& owner, int card) {
  const fs::path class_drm = root / "sys/class/drm";
  const std::string card_name = "card" + std::to_string(card);
  const std::string render_name = "renderD" + std::to_string(kFirstRenderMinor + card);
  const fs::path relative_owner = fs::path("../../..") / owner.filename();
  for (const std::string& name : {card_name, render_name}) {
    const fs::path node = owner / "drm" / name;
    WriteText(node / "uevent", "DEVNAME=dri/" + name + "\n");
    Link(node / "device", relative_owner);
    Link(class_drm / name, fs::path("../..") / node.lexically_relative(root / "sys"));
  }
}

std::string GpuProperties(const FakeGpu& gpu, uint32_t domain, uint32_t location_id, int partition,
                          int render_minor) {
  const int units = gpu.compute_units / gpu.partitions;
  // An MI300X XCD has 4 shader arrays of 10 CUs, 38 of them active.
  const int arrays = 32 / gpu.partitions;
  const uint32_t node_location =
      location_id | (gpu.partitions > 1 ? static_cast<uint32_t>(partition) << 28 : 0U);
  std::string text;
  auto line = [&text](const std::string& name, const std::string& value) {
    text += name + " " + value + "\n";
  };
  line("cpu_cores_count", "0");
  line("simd_count", std::to_string(units * kSimdPerCu));
  line("mem_banks_count", "1");
  line("caches_count", "0");
  line("io_links_count", "1");
  line("p2p_links_count", "0");
  line("cpu_core_id_base", "0");
  line("simd_id_base", std::to_string(0x80001000U + 16U * static_cast<uint32_t>(partition)));
  line("max_waves_per_simd", "8");
  line("lds_size_in_kb", "64");
  line("gds_size_in_kb", "0");
  line("num_gws", "64");
  line("wave_front_size", "64");
  line("array_count", std::to_string(arrays));
  line("simd_arrays_per_engine", "1");
  line("cu_per_simd_array", "10");
  line("simd_per_cu", std::to_string(kSimdPerCu));
  line("max_slots_scratch_cu", "32");
  line("gfx_target_version", "90402");
  line("vendor_id", "4098");
  line("device_id", std::to_string(gpu.device_id));
  line("location_id", std::to_string(node_location));
  line("domain", std::to_string(domain));
  line("drm_render_minor", std::to_string(render_minor));
  line("hive_id", "0");
  line("num_sdma_engines", "2");
  line("num_sdma_xgmi_engines", "14");
  line("num_sdma_queues_per_engine", "8");
  line("num_cp_queues", "24");
  line("max_engine_clk_fcompute", "2100");
  line("local_mem_size", "0");
  line("fw_version", "177");
  line("capability", "746720896");
  line("debug_prop", "1495");
  line("sdma_fw_version", "22");
  line("unique_id", std::to_string(gpu.unique_id));
  line("num_xcc", std::to_string(8 / gpu.partitions));
  line("max_engine_clk_ccompute", "3700");
  return text;
}

void WriteLink(const fs::path& link, int from, int to, int type, int weight) {
  WriteText(link / "properties",
            "type " + std::to_string(type) + "\nversion_major 0\nversion_minor 0\nnode_from " +
                std::to_string(from) + "\nnode_to " + std::to_string(to) + "\nweight " +
                std::to_string(weight) +
                "\nmin_latency 0\nmax_latency 0\nmin_bandwidth 312\nmax_bandwidth 64000\n"
                "recommended_transfer_size 0\nflags 1\n");
}

}  // namespace

void WriteText(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

FakeTree WriteFakeAmdgpuTree(const fs::path& root, const std::vector<FakeGpu>& gpus,
                             const std::vector<size_t>& kfd_order, int cpu_nodes) {
  FakeTree tree;
  tree.gpu_ids.resize(gpus.size());
  tree.device_directories.resize(gpus.size());
  const fs::path devices = root / "sys/devices";
  WriteText(devices / "platform/uevent", "");

  // drm: each GPU's PCI card, then a platform card per further partition.
  std::vector<int> first_card(gpus.size());
  int card = 0;
  int xcp_device = 0;
  for (size_t g = 0; g < gpus.size(); ++g) {
    const fs::path device = devices / "pci0000:00/0000:00:01.1" / gpus[g].pci_bus_id;
    tree.device_directories[g] = device;
    WriteDevice(device, gpus[g], static_cast<int>(g));
    first_card[g] = card;
    WriteCard(root, device, card++);
    for (int p = 1; p < gpus[g].partitions; ++p) {
      const fs::path platform =
          devices / "platform" / ("amdgpu_xcp_" + std::to_string(xcp_device++));
      WriteText(platform / "uevent", "");
      WriteCard(root, platform, card++);
    }
  }

  // KFD: CPU nodes, then the GPUs' partitions.
  Link(root / "sys/class/kfd/kfd", "../../devices/virtual/kfd/kfd");
  const fs::path kfd = devices / "virtual/kfd/kfd";
  WriteText(kfd / "topology/system_properties", "platform_oem 0\nplatform_id 0\nplatform_rev 0\n");
  WriteText(kfd / "topology/generation_id", "1\n");
  fs::create_directories(kfd / "proc");
  const fs::path nodes = kfd / "topology/nodes";
  int node = 0;
  for (; node < cpu_nodes; ++node) {
    const fs::path directory = nodes / std::to_string(node);
    WriteText(directory / "gpu_id", "0\n");
    WriteText(directory / "name", "\n");
    WriteText(directory / "properties",
              "cpu_cores_count 96\nsimd_count 0\nmem_banks_count 1\ncaches_count 0\n"
              "io_links_count 0\np2p_links_count 0\ncpu_core_id_base " +
                  std::to_string(96 * node) +
                  "\nsimd_id_base 0\nmax_waves_per_simd 0\nlds_size_in_kb 0\n"
                  "gds_size_in_kb 0\nnum_gws 0\nwave_front_size 0\narray_count 0\n"
                  "simd_arrays_per_engine 0\ncu_per_simd_array 0\nsimd_per_cu 0\n"
                  "max_slots_scratch_cu 0\ngfx_target_version 0\nvendor_id 0\ndevice_id 0\n"
                  "location_id 0\ndomain 0\ndrm_render_minor 0\nhive_id 0\n"
                  "num_sdma_engines 0\nnum_sdma_xgmi_engines 0\nnum_sdma_queues_per_engine 0\n"
                  "num_cp_queues 0\nmax_engine_clk_fcompute 0\nlocal_mem_size 0\n"
                  "fw_version 0\ncapability 0\ndebug_prop 0\nsdma_fw_version 0\n"
                  "unique_id 0\nnum_xcc 0\nmax_engine_clk_ccompute 3700\n");
    WriteText(directory / "mem_banks/0/properties",
              "heap_type 0\nsize_in_bytes 810000000000\nflags 0\nwidth 64\nmem_clk_max 4800\n");
    fs::create_directories(directory / "io_links");
    fs::create_directories(directory / "p2p_links");
    fs::create_directories(directory / "caches");
  }
  std::vector<size_t> order = kfd_order;
  if (order.empty()) {
    order.resize(gpus.size());
    std::iota(order.begin(), order.end(), 0);
  }
  for (const size_t g : order) {
    const FakeGpu& gpu = gpus[g];
    const auto [domain, location_id] = ParseBusId(gpu.pci_bus_id);
    for (int p = 0; p < gpu.partitions; ++p, ++node) {
      const fs::path directory = nodes / std::to_string(node);
      const auto gpu_id = static_cast<uint32_t>(40000 + 1117 * node);
      tree.gpu_ids[g].push_back(gpu_id);
      const int render_minor = kFirstRenderMinor + first_card[g] + p;
      WriteText(directory / "gpu_id", std::to_string(gpu_id) + "\n");
      WriteText(directory / "name", "ip discovery\n");
      WriteText(directory / "properties", GpuProperties(gpu, domain, location_id, p, render_minor));
      WriteText(directory / "mem_banks/0/properties",
                "heap_type 1\nsize_in_bytes " +
                    std::to_string(gpu.vram_total_bytes / gpu.partitions) +
                    "\nflags 0\nwidth 8192\nmem_clk_max 1300\n");
      WriteLink(directory / "io_links/0", node, gpu.numa_node % std::max(cpu_nodes, 1), 2, 20);
      fs::create_directories(directory / "p2p_links");
      fs::create_directories(directory / "caches");
    }
  }
  return tree;
}

}  // namespace tessera::agent::testing
