// The KFD topology, /sys/class/kfd/kfd/topology/nodes/<n>: one node per CPU
// NUMA domain and one per GPU the ROCm runtime can use. A GPU in a compute
// partition mode other than SPX has one node per partition (8 on an MI300X in
// CPX), all on the GPU's PCI device: amdgpu puts the partition number in
// bits 31:28 of every node's location_id (older kernels in the PCI function
// bits), so nodes are grouped into physical GPUs by PCI domain, bus and
// device alone.
//
// The runtime (ROCr) makes one GPU agent per GPU node, walking the nodes in
// order, and HIP numbers its devices in that agent order. So a GPU node's
// position among the GPU nodes is the index HIP_VISIBLE_DEVICES and
// ROCR_VISIBLE_DEVICES select it by. (librocm_smi64 numbers devices by drm
// card instead, and 5.2.3 lists only one device per physical GPU, so its
// index is not usable for this.)

#ifndef TESSERA_AGENT_GPU_KFD_TOPOLOGY_H_
#define TESSERA_AGENT_GPU_KFD_TOPOLOGY_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"

namespace tessera::agent {

struct KfdGpuNode {
  int node_id = 0;       // the topology directory's number
  int device_index = 0;  // position among GPU nodes: the HIP/ROCr device index
  uint32_t gpu_id = 0;   // KFD's handle; names the kfd/proc/<pid>/vram_<gpu_id> files
  uint32_t domain = 0;   // PCI domain
  // bus << 8 | device << 3 | function, and the partition number in 31:28.
  uint32_t location_id = 0;
  uint16_t device_id = 0;  // PCI device id, e.g. 0x74a1 for an MI300X
  uint64_t unique_id = 0;
  // Active compute units: simd_count / simd_per_cu. (array_count times
  // cu_per_simd_array, which librocm_smi64 5.2.3 reports, counts harvested
  // CUs too: 320 rather than 304 on an MI300X.)
  int compute_units = 0;
  int64_t vram_bytes = 0;  // the node's local memory banks
};

// "0000:03:00.0": domain, bus, device and function, without partition bits.
std::string KfdPciBusId(const KfdGpuNode& node);

// The same for every partition of one physical GPU.
uint64_t PhysicalGpuKey(const KfdGpuNode& node);
uint64_t PhysicalGpuKey(uint32_t domain, uint32_t bus, uint32_t device);

// The GPU nodes under `sys_root`/sys/class/kfd/kfd/topology/nodes in node
// order, CPU nodes skipped. NotFound when there is no topology (the amdgpu
// driver is not loaded, or KFD is disabled); a node whose properties cannot
// be read is an error naming the file.
StatusOr<std::vector<KfdGpuNode>> ReadKfdGpuNodes(const std::filesystem::path& sys_root);

// The physical GPUs: nodes grouped by PhysicalGpuKey, each group in node
// order, groups in the order of their first node.
std::vector<std::vector<KfdGpuNode>> GroupByPhysicalGpu(const std::vector<KfdGpuNode>& nodes);

// VRAM each GPU node's processes hold, by gpu_id: the sum over
// kfd/proc/<pid>/vram_<gpu_id>. This is the only per-partition usage the
// kernel exports; gpu_ids without processes are absent.
std::map<uint32_t, int64_t> ReadKfdProcessVram(const std::filesystem::path& sys_root);

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_GPU_KFD_TOPOLOGY_H_
