#include "agent/metrics/gpu_metrics.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "agent/gpu/sim_gpu_backend.h"

namespace tessera::agent {
namespace {

const prometheus::MetricFamily* Find(const std::vector<prometheus::MetricFamily>& families,
                                     const std::string& name) {
  const auto it = std::find_if(families.begin(), families.end(),
                               [&](const auto& family) { return family.name == name; });
  return it == families.end() ? nullptr : &*it;
}

std::string Label(const prometheus::ClientMetric& metric, const std::string& name) {
  for (const auto& label : metric.label) {
    if (label.name == name) return label.value;
  }
  return "";
}

TEST(GpuMetricsTest, PartitionsAreGpusAndPhysicalReadingsAppearOncePerGpu) {
  SimGpuBackend backend(*ParseSimTopologyShorthand("2xmi300x:cpx/nps4"));
  const PartitionWorkload workload{
      .partition = 9, .reserved_vram_bytes = int64_t{10} << 30, .in_flight_requests = 2};
  backend.ObserveWorkloads({&workload, 1});
  const std::vector<prometheus::MetricFamily> families =
      GpuMetricFamilies(*backend.Read(), "node-a");

  const prometheus::MetricFamily* used = Find(families, "gpu_used_vram");
  ASSERT_NE(used, nullptr);
  ASSERT_EQ(used->metric.size(), 16U);
  const prometheus::ClientMetric& partition9 = used->metric[9];
  EXPECT_EQ(Label(partition9, "gpu_id"), "9");
  EXPECT_EQ(Label(partition9, "gpu_partition_id"), "1");
  EXPECT_EQ(Label(partition9, "gpu_compute_partition_type"), "CPX");
  EXPECT_EQ(Label(partition9, "gpu_memory_partition_type"), "NPS4");
  EXPECT_EQ(Label(partition9, "hostname"), "node-a");
  EXPECT_DOUBLE_EQ(partition9.gauge.value, 10 * 1024.0);
  EXPECT_DOUBLE_EQ(Find(families, "gpu_gfx_activity")->metric[9].gauge.value, 50);

  const prometheus::MetricFamily* power = Find(families, "gpu_package_power");
  ASSERT_NE(power, nullptr);
  ASSERT_EQ(power->metric.size(), 2U) << "one per physical GPU";
  EXPECT_EQ(Label(power->metric[1], "gpu_id"), "8");
  EXPECT_GT(power->metric[1].gauge.value, power->metric[0].gauge.value);
}

TEST(GpuMetricsTest, AbsentReadingsProduceNoSample) {
  NodeInventory inventory;
  GpuDevice gpu;
  gpu.product = "mi300x";
  gpu.partitions.emplace_back();
  inventory.gpus.push_back(gpu);
  const std::vector<prometheus::MetricFamily> families = GpuMetricFamilies(inventory, "n");
  EXPECT_EQ(Find(families, "gpu_junction_temperature"), nullptr);
  EXPECT_NE(Find(families, "gpu_gfx_activity"), nullptr);
}

}  // namespace
}  // namespace tessera::agent
