// GPU and partition gauges named and labelled as AMD's device-metrics-exporter
// names them, so dashboards built for it work on Tessera's agent.
//
// As that exporter does for partitioned GPUs, every partition is a GPU of its
// own (gpu_id = the node-wide device index, gpu_partition_id = the partition
// within its physical GPU) for activity and VRAM; readings the hardware only
// has per physical GPU (power, temperatures, clocks, ECC, PCIe) appear once,
// on the GPU's partition 0. Readings a backend lacks produce no sample.

#ifndef TESSERA_AGENT_METRICS_GPU_METRICS_H_
#define TESSERA_AGENT_METRICS_GPU_METRICS_H_

#include <vector>

#include <prometheus/metric_family.h>

#include "agent/gpu/gpu_inventory.h"

namespace tessera::agent {

std::vector<prometheus::MetricFamily> GpuMetricFamilies(const NodeInventory& inventory,
                                                        const std::string& hostname);

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_METRICS_GPU_METRICS_H_
