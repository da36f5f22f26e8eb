// AMD Instinct PCI device ids and the catalog GPUs they are (see
// hardware/gpu_catalog.h). The ids are the physical functions and
// the SR-IOV virtual functions a guest sees, from pci.ids and AMD's
// rocprofiler-compute GPU table.

#ifndef TESSERA_AGENT_GPU_AMD_GPU_PRODUCTS_H_
#define TESSERA_AGENT_GPU_AMD_GPU_PRODUCTS_H_

#include <cstdint>
#include <string_view>

namespace tessera::agent {

struct AmdGpuProduct {
  std::string_view catalog_name;  // "mi300x"; empty for a GPU the catalog lacks
  std::string_view display_name;  // "AMD Instinct MI300X"
};

// Both names are empty for an id not in the table.
AmdGpuProduct FindAmdGpuProduct(uint16_t device_id);

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_GPU_AMD_GPU_PRODUCTS_H_
