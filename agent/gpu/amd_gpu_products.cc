#include "agent/gpu/amd_gpu_products.h"

#include <array>

namespace tessera::agent {
namespace {

struct DeviceIdEntry {
  uint16_t device_id;
  AmdGpuProduct product;
};

// MI300X HF is a higher-clocked MI300X board with the same memory and CUs,
// so it plans as one. MI300A (an APU), MI308X and MI350X are not in the
// catalog: they are named but have no catalog entry to plan with.
constexpr std::array kDeviceIds = {
    DeviceIdEntry{0x74a0, {"", "AMD Instinct MI300A"}},
    DeviceIdEntry{0x74a1, {"mi300x", "AMD Instinct MI300X"}},
    DeviceIdEntry{0x74a2, {"", "AMD Instinct MI308X"}},
    DeviceIdEntry{0x74a5, {"mi325x", "AMD Instinct MI325X"}},
    DeviceIdEntry{0x74a9, {"mi300x", "AMD Instinct MI300X HF"}},
    DeviceIdEntry{0x74b5, {"mi300x", "AMD Instinct MI300X VF"}},
    DeviceIdEntry{0x74b9, {"mi325x", "AMD Instinct MI325X VF"}},
    DeviceIdEntry{0x74bd, {"mi300x", "AMD Instinct MI300X HF VF"}},
    DeviceIdEntry{0x75a0, {"", "AMD Instinct MI350X"}},
    DeviceIdEntry{0x75a3, {"mi355x", "AMD Instinct MI355X"}},
    DeviceIdEntry{0x75b0, {"", "AMD Instinct MI350X VF"}},
    DeviceIdEntry{0x75b3, {"mi355x", "AMD Instinct MI355X VF"}},
};

}  // namespace

AmdGpuProduct FindAmdGpuProduct(uint16_t device_id) {
  for (const DeviceIdEntry& entry : kDeviceIds) {
    if (entry.device_id == device_id) return entry.product;
  }
  return {};
}

}  // namespace tessera::agent
