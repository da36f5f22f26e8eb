#include "agent/metrics/gpu_metrics.h"

#include <optional>
#include <string>

#include "base/strings.h"
#include "hardware/partition_mode.h"

namespace tessera::agent {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

constexpr double kMebibyte = 1024.0 * 1024.0;

MetricFamily Family(std::string name, std::string help) {
  return {
      .name = std::move(name), .help = std::move(help), .type = MetricType::Gauge, .metric = {}};
}

void Add(MetricFamily& family, const std::vector<ClientMetric::Label>& labels, double value) {
  ClientMetric metric;
  metric.label = labels;
  metric.gauge.value = value;
  family.metric.push_back(std::move(metric));
}

template <typename T>
void AddIfPresent(MetricFamily& family, const std::vector<ClientMetric::Label>& labels,
                  const std::optional<T>& value) {
  if (value) Add(family, labels, static_cast<double>(*value));
}

}  // namespace

std::vector<MetricFamily> GpuMetricFamilies(const NodeInventory& inventory,
                                            const std::string& hostname) {
  MetricFamily activity = Family("gpu_gfx_activity", "Graphics engine (compute) activity, percent");
  MetricFamily used = Family("gpu_used_vram", "Used VRAM, MiB");
  MetricFamily total = Family("gpu_total_vram", "Total VRAM, MiB");
  MetricFamily free = Family("gpu_free_vram", "Free VRAM, MiB");
  MetricFamily power = Family("gpu_package_power", "Current socket power, watts");
  MetricFamily power_cap = Family("gpu_power_cap", "Power cap, watts");
  MetricFamily junction =
      Family("gpu_junction_temperature", "Junction (hotspot) temperature, Celsius");
  MetricFamily edge = Family("gpu_edge_temperature", "Edge temperature, Celsius");
  MetricFamily memory = Family("gpu_memory_temperature", "HBM temperature, Celsius");
  MetricFamily clock = Family("gpu_clock", "Current clock, MHz, by clock_type");
  MetricFamily ecc_correct = Family("gpu_ecc_correct_total", "Correctable ECC errors");
  MetricFamily ecc_uncorrect = Family("gpu_ecc_uncorrect_total", "Uncorrectable ECC errors");
  MetricFamily pcie_width = Family("pcie_link_width", "PCIe link width, lanes");
  MetricFamily pcie_speed = Family("pcie_link_speed", "PCIe link speed, GT/s");

  for (const GpuDevice& gpu : inventory.gpus) {
    for (const GpuPartition& partition : gpu.partitions) {
      const std::vector<ClientMetric::Label> labels = {
          {"card_model", gpu.display_name},
          {"card_series", gpu.product},
          {"gpu_compute_partition_type",
           AsciiUpper(hardware::ComputePartitionName(gpu.partition_mode.compute))},
          {"gpu_id", std::to_string(partition.index)},
          {"gpu_memory_partition_type",
           AsciiUpper(hardware::MemoryPartitionName(gpu.partition_mode.memory))},
          {"gpu_partition_id", std::to_string(partition.index_in_gpu)},
          {"hostname", hostname},
          {"serial_number", gpu.unique_id},
      };
      Add(activity, labels, partition.busy_percent);
      Add(used, labels, static_cast<double>(partition.vram_used_bytes) / kMebibyte);
      Add(total, labels, static_cast<double>(partition.vram_total_bytes) / kMebibyte);
      Add(free, labels,
          static_cast<double>(partition.vram_total_bytes - partition.vram_used_bytes) / kMebibyte);
      if (partition.index_in_gpu != 0) continue;
      AddIfPresent(power, labels, gpu.power_watts);
      AddIfPresent(power_cap, labels, gpu.power_cap_watts);
      AddIfPresent(junction, labels, gpu.junction_temperature_celsius);
      AddIfPresent(edge, labels, gpu.edge_temperature_celsius);
      AddIfPresent(memory, labels, gpu.memory_temperature_celsius);
      AddIfPresent(ecc_correct, labels, gpu.ecc_correctable_errors);
      AddIfPresent(ecc_uncorrect, labels, gpu.ecc_uncorrectable_errors);
      AddIfPresent(pcie_width, labels, gpu.pcie_width);
      AddIfPresent(pcie_speed, labels, gpu.pcie_speed_gts);
      for (const auto& [type, value] : {std::pair{"GPU_CLOCK_TYPE_SYSTEM", gpu.gfx_clock_mhz},
                                        std::pair{"GPU_CLOCK_TYPE_MEMORY", gpu.memory_clock_mhz}}) {
        if (!value) continue;
        std::vector<ClientMetric::Label> with_type = labels;
        with_type.push_back({"clock_type", type});
        Add(clock, with_type, *value);
      }
    }
  }
  std::vector<MetricFamily> families;
  for (MetricFamily* family :
       {&activity, &used, &total, &free, &power, &power_cap, &junction, &edge, &memory, &clock,
        &ecc_correct, &ecc_uncorrect, &pcie_width, &pcie_speed}) {
    if (!family->metric.empty()) families.push_back(std::move(*family));
  }
  return families;
}

}  // namespace tessera::agent
