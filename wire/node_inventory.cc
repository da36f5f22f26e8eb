#include "wire/node_inventory.h"

#include <string_view>

#include "base/json_fields.h"

namespace tessera::wire {
namespace {

using nlohmann::json;

constexpr int kMaxIndex = 4096;
constexpr int64_t kMaxBytes = INT64_MAX;
constexpr int kMaxComputeUnits = 1'000'000;

template <typename T>
void Put(json& body, const char* name, const std::optional<T>& value) {
  if (value) body[name] = *value;
}

json PartitionToJson(const PartitionInventory& partition) {
  json body = {{"index", partition.index},
               {"indexInGpu", partition.index_in_gpu},
               {"vramTotalBytes", partition.vram_total_bytes},
               {"computeUnits", partition.compute_units},
               {"worker", partition.worker.empty() ? json(nullptr) : json(partition.worker)}};
  Put(body, "vramUsedBytes", partition.vram_used_bytes);
  Put(body, "busyPercent", partition.busy_percent);
  return body;
}

json GpuToJson(const GpuInventory& gpu) {
  json partitions = json::array();
  for (const PartitionInventory& partition : gpu.partitions) {
    partitions.push_back(PartitionToJson(partition));
  }
  json body = {{"index", gpu.index},
               {"product", gpu.product},
               {"name", gpu.display_name},
               {"pciBusId", gpu.pci_bus_id},
               {"uniqueId", gpu.unique_id},
               {"numaNode", gpu.numa_node},
               {"computePartition", hardware::ComputePartitionName(gpu.mode.compute)},
               {"memoryPartition", hardware::MemoryPartitionName(gpu.mode.memory)},
               {"vramTotalBytes", gpu.vram_total_bytes},
               {"computeUnits", gpu.compute_units},
               {"partitions", std::move(partitions)}};
  Put(body, "vramUsedBytes", gpu.vram_used_bytes);
  Put(body, "busyPercent", gpu.busy_percent);
  Put(body, "junctionTemperatureCelsius", gpu.junction_temperature_celsius);
  Put(body, "powerWatts", gpu.power_watts);
  return body;
}

// A list field whose elements `read` parses; errors name the element.
template <typename T, typename Read>
Status ReadList(JsonFields& fields, std::string_view name, std::vector<T>& out, Read read) {
  const json* list = fields.Child(name);
  if (list == nullptr || !list->is_array()) {
    fields.Fail(name,
                list == nullptr ? "is required" : "must be a list, got " + DescribeJson(*list));
    return fields.FinishIgnoringUnknown();
  }
  for (size_t i = 0; i < list->size(); ++i) {
    StatusOr<T> element = read((*list)[i], fields.PathOf(name) + "[" + std::to_string(i) + "]");
    if (!element.ok()) return element.status();
    out.push_back(*std::move(element));
  }
  return OkStatus();
}

template <typename T, typename Parse>
void ReadMode(JsonFields& fields, std::string_view name, T& out, Parse parse) {
  std::string text;
  fields.Required(name, text);
  if (text.empty()) return;
  StatusOr<T> parsed = parse(text);
  if (parsed.ok()) {
    out = *parsed;
  } else {
    fields.Fail(name, parsed.status().message());
  }
}

StatusOr<PartitionInventory> PartitionFromJson(const json& body, const std::string& path) {
  PartitionInventory partition;
  JsonFields fields(body, path);
  std::optional<int64_t> vram_total;
  std::optional<int> compute_units;
  std::optional<int> index_in_gpu;
  fields.Required("index", partition.index, 0, kMaxIndex);
  fields.Optional("indexInGpu", index_in_gpu, 0, kMaxIndex);
  fields.Optional("vramTotalBytes", vram_total, 0, kMaxBytes);
  if (!vram_total) fields.Fail("vramTotalBytes", "is required");
  fields.Optional("computeUnits", compute_units, 0, kMaxComputeUnits);
  fields.Optional("worker", partition.worker);
  fields.Optional("vramUsedBytes", partition.vram_used_bytes, 0, kMaxBytes);
  fields.Optional("busyPercent", partition.busy_percent, 0, 100);
  TESSERA_RETURN_IF_ERROR(fields.FinishIgnoringUnknown());
  partition.index_in_gpu = index_in_gpu.value_or(0);
  partition.vram_total_bytes = *vram_total;
  partition.compute_units = compute_units.value_or(0);
  return partition;
}

StatusOr<GpuInventory> GpuFromJson(const json& body, const std::string& path) {
  GpuInventory gpu;
  JsonFields fields(body, path);
  std::optional<int64_t> vram_total;
  std::optional<int> compute_units;
  std::optional<int> numa_node;
  fields.Required("index", gpu.index, 0, kMaxIndex);
  fields.Optional("product", gpu.product);
  fields.Optional("name", gpu.display_name);
  fields.Optional("pciBusId", gpu.pci_bus_id);
  fields.Optional("uniqueId", gpu.unique_id);
  fields.Optional("numaNode", numa_node, -1, kMaxIndex);
  ReadMode(fields, "computePartition", gpu.mode.compute, hardware::ParseComputePartition);
  ReadMode(fields, "memoryPartition", gpu.mode.memory, hardware::ParseMemoryPartition);
  fields.Optional("vramTotalBytes", vram_total, 0, kMaxBytes);
  fields.Optional("computeUnits", compute_units, 0, kMaxComputeUnits);
  fields.Optional("vramUsedBytes", gpu.vram_used_bytes, 0, kMaxBytes);
  fields.Optional("busyPercent", gpu.busy_percent, 0, 100);
  fields.Optional("junctionTemperatureCelsius", gpu.junction_temperature_celsius, -273.15, 1000);
  fields.Optional("powerWatts", gpu.power_watts, 0, 1e6);
  TESSERA_RETURN_IF_ERROR(ReadList(fields, "partitions", gpu.partitions, PartitionFromJson));
  TESSERA_RETURN_IF_ERROR(fields.FinishIgnoringUnknown());
  gpu.vram_total_bytes = vram_total.value_or(0);
  gpu.compute_units = compute_units.value_or(0);
  gpu.numa_node = numa_node.value_or(-1);
  return gpu;
}

}  // namespace

int NodeInventory::TotalPartitions() const {
  int total = 0;
  for (const GpuInventory& gpu : gpus) total += static_cast<int>(gpu.partitions.size());
  return total;
}

int NodeInventory::FreePartitions() const {
  int free = 0;
  for (const GpuInventory& gpu : gpus) {
    for (const PartitionInventory& partition : gpu.partitions) {
      if (partition.worker.empty()) ++free;
    }
  }
  return free;
}

json NodeInventoryToJson(const NodeInventory& inventory) {
  json gpus = json::array();
  for (const GpuInventory& gpu : inventory.gpus) gpus.push_back(GpuToJson(gpu));
  return {{"hostname", inventory.hostname},
          {"gpuBackend", inventory.gpu_backend},
          {"labels", inventory.labels},
          {"partitions",
           {{"total", inventory.TotalPartitions()}, {"free", inventory.FreePartitions()}}},
          {"gpus", std::move(gpus)}};
}

StatusOr<NodeInventory> NodeInventoryFromJson(const json& body) {
  NodeInventory inventory;
  JsonFields fields(body, "node");
  fields.Required("hostname", inventory.hostname);
  fields.Optional("gpuBackend", inventory.gpu_backend);
  fields.Optional("labels", inventory.labels);
  TESSERA_RETURN_IF_ERROR(ReadList(fields, "gpus", inventory.gpus, GpuFromJson));
  TESSERA_RETURN_IF_ERROR(fields.FinishIgnoringUnknown());
  return inventory;
}

}  // namespace tessera::wire
