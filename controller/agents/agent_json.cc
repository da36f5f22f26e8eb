#include "controller/agents/agent_json.h"

#include <utility>

#include "wire/worker_status.h"

namespace tessera::controller {

AgentObservation ObservationOf(const wire::NodeInventory& inventory) {
  AgentObservation observation{.hostname = inventory.hostname, .labels = inventory.labels};
  for (const wire::GpuInventory& gpu : inventory.gpus) {
    observation.gpus.push_back({.index = gpu.index, .product = gpu.product, .mode = gpu.mode});
    for (const wire::PartitionInventory& partition : gpu.partitions) {
      observation.partitions.push_back({.index = partition.index,
                                        .gpu = gpu.index,
                                        .index_in_gpu = partition.index_in_gpu,
                                        .vram_bytes = partition.vram_total_bytes,
                                        .compute_units = partition.compute_units,
                                        .holder = partition.worker});
    }
  }
  return observation;
}

StatusOr<AgentObservation> ReadObservation(const nlohmann::json& node,
                                           const nlohmann::json& workers) {
  StatusOr<wire::NodeInventory> inventory = wire::NodeInventoryFromJson(node);
  if (!inventory.ok()) return inventory.status().WithContext("/v1/node");
  StatusOr<std::vector<wire::WorkerStatus>> listed = wire::WorkerListFromJson(workers);
  if (!listed.ok()) return listed.status().WithContext("/v1/workers");
  AgentObservation observation = ObservationOf(*inventory);
  observation.workers = *std::move(listed);
  return observation;
}

}  // namespace tessera::controller
