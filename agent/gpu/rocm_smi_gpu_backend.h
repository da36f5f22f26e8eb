// The `rocm-smi` GPU backend: the node's AMD GPUs through librocm_smi64 and
// the amdgpu and KFD sysfs files it lacks.
//
// Physical GPUs are librocm_smi64's devices: 5.2.3 lists one per PCI GPU,
// the drm card with vendor 0x1002 (in DPX, QPX and CPX amdgpu adds a drm
// card per further partition, but on a platform device without those files,
// so 5.2.3 skips them). Partitions are the GPU's KFD topology nodes (see
// kfd_topology.h), matched to the device by PCI domain, bus and device. A
// partition's `index` is its node's position among the KFD GPU nodes: the
// order ROCr and HIP enumerate devices in, so it is the number to put in
// HIP_VISIBLE_DEVICES (or ROCR_VISIBLE_DEVICES). GPUs are numbered in the
// order of their first partition.
//
// Where each reading comes from:
//   librocm_smi64    device id, unique id, VBIOS, NUMA node, VRAM total and
//                    used, busy %, edge/junction/memory temperature, average
//                    power, power cap
//   KFD sysfs        partitions, their compute units and VRAM, and in
//                    DPX/QPX/CPX the VRAM each partition's processes hold
//   amdgpu sysfs     partition modes (where the library has no
//                    rsmi_dev_*_partition_get, checked at configure time),
//                    power1_input and hwmon temperatures when the library's
//                    reading fails, clocks (hwmon freq*_input), ECC counts
//                    (ras/), PCIe link (the PCI device's current_link_*);
//                    see amdgpu_sysfs.h for why the library is not used for
//                    the last three.
// The driver reports busy % for the whole GPU only, so every partition of a
// partitioned GPU shows the GPU's figure. Readings a part lacks (MI300-class
// parts have no edge temperature) stay nullopt.

#ifndef TESSERA_AGENT_GPU_ROCM_SMI_GPU_BACKEND_H_
#define TESSERA_AGENT_GPU_ROCM_SMI_GPU_BACKEND_H_

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/gpu/gpu_backend.h"

namespace tessera::agent {

class RocmSmiGpuBackend final : public GpuBackend {
 public:
  // Initialises librocm_smi64 (rsmi_init) and takes the inventory's fixed
  // part: devices, partitions, names, totals. Fails, never crashes, with what
  // went wrong ("rsmi_init failed: RSMI_STATUS_INIT_ERROR: ...; no AMD GPU
  // driver (amdgpu) found: ...") when there is no usable AMD GPU.
  static StatusOr<std::unique_ptr<RocmSmiGpuBackend>> Create(std::string hostname);

  ~RocmSmiGpuBackend() override;  // rsmi_shut_down
  RocmSmiGpuBackend(const RocmSmiGpuBackend&) = delete;
  RocmSmiGpuBackend& operator=(const RocmSmiGpuBackend&) = delete;

  std::string_view name() const override { return "rocm-smi"; }

  // The readings, a few dozen sysfs reads per GPU. FailedPrecondition when a
  // GPU's partition mode changed since Create: the device list is fixed at
  // rsmi_init, so the agent must be restarted to see the new partitions.
  StatusOr<NodeInventory> Read() override;

  // Real hardware reports its own usage.
  void ObserveWorkloads(std::span<const PartitionWorkload> /*workloads*/) override {}

 private:
  // What Read needs to reach one physical GPU.
  struct DeviceHandle {
    uint32_t rsmi_index = 0;
    std::filesystem::path device_directory;  // /sys/class/drm/cardN/device
    std::optional<std::filesystem::path> hwmon_directory;
    std::vector<uint32_t> partition_gpu_ids{};  // KFD gpu_id of each partition
  };

  RocmSmiGpuBackend(NodeInventory skeleton, std::vector<DeviceHandle> handles);

  static Status CheckPartitionMode(const DeviceHandle& handle, const GpuDevice& gpu);
  static void ReadDevice(const DeviceHandle& handle, GpuDevice& gpu);

  NodeInventory skeleton_;
  std::vector<DeviceHandle> handles_;  // parallel to skeleton_.gpus
};

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_GPU_ROCM_SMI_GPU_BACKEND_H_
