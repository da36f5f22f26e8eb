#include "controller/placement/partition_placer.h"

#include <algorithm>
#include <tuple>

#include "base/strings.h"
#include "base/units.h"

namespace tessera::controller {
namespace {

std::string ModeText(const PlacementRequest& request) {
  std::string mode;
  if (request.compute_partition) mode = hardware::ComputePartitionName(*request.compute_partition);
  if (request.memory_partition) {
    if (!mode.empty()) mode += '/';
    mode += hardware::MemoryPartitionName(*request.memory_partition);
  }
  return mode;
}

std::string SelectorText(const std::map<std::string, std::string>& selector) {
  std::vector<std::string> terms;
  terms.reserve(selector.size());
  for (const auto& [key, value] : selector) terms.emplace_back(key + "=").append(value);
  return Join(terms, ",");
}

std::string PartitionsNeeded(const PlacementRequest& request) {
  std::string text = std::to_string(request.partitions_per_worker) +
                     (request.partitions_per_worker == 1 ? " partition" : " partitions") +
                     " of ≥ " +
                     FormatBytes(static_cast<uint64_t>(request.min_partition_vram_bytes));
  if (const std::string mode = ModeText(request); !mode.empty()) text += " (" + mode + ")";
  return text;
}

}  // namespace

PartitionPlacer::PartitionPlacer(const FleetView& fleet) : fleet_(fleet) {
  for (const std::shared_ptr<const NodeView>& shared : fleet.nodes()) {
    const NodeView& node = *shared;
    if (node.health != NodeHealth::kReachable || node.unlisted) continue;
    NodeFree entry{.node = &node, .gpus = {}, .free_total = 0};
    entry.gpus.reserve(node.gpus.size());
    for (const GpuView& gpu : node.gpus) {
      entry.gpus.push_back({.gpu = gpu.index, .mode = gpu.mode, .free = {}});
    }
    for (const PartitionView& partition : node.partitions) {
      if (!partition.holder.empty()) continue;
      // Agents list GPUs in index order; look further only when one does not.
      const auto position = static_cast<size_t>(partition.gpu);
      GpuFree* gpu = position < entry.gpus.size() && entry.gpus[position].gpu == partition.gpu
                         ? &entry.gpus[position]
                         : nullptr;
      for (size_t i = 0; gpu == nullptr && i < entry.gpus.size(); ++i) {
        if (entry.gpus[i].gpu == partition.gpu) gpu = &entry.gpus[i];
      }
      if (gpu == nullptr) continue;
      gpu->free.push_back(&partition);
      ++entry.free_total;
    }
    for (GpuFree& gpu : entry.gpus) {
      std::sort(gpu.free.begin(), gpu.free.end(),
                [](const PartitionView* a, const PartitionView* b) {
                  return a->index_in_gpu < b->index_in_gpu;
                });
    }
    nodes_.push_back(std::move(entry));
  }
}

bool PartitionPlacer::Eligible(const GpuFree& gpu, const PlacementRequest& request) {
  return (!request.compute_partition || gpu.mode.compute == *request.compute_partition) &&
         (!request.memory_partition || gpu.mode.memory == *request.memory_partition);
}

bool PartitionPlacer::Matches(const NodeView& node, const PlacementRequest& request) {
  return std::all_of(request.node_selector.begin(), request.node_selector.end(),
                     [&](const auto& term) {
                       const auto label = node.labels.find(term.first);
                       return label != node.labels.end() && label->second == term.second;
                     });
}

int PartitionPlacer::EligibleFree(const GpuFree& gpu, const PlacementRequest& request) {
  if (!Eligible(gpu, request)) return 0;
  int count = 0;
  for (const PartitionView* partition : gpu.free) {
    if (partition->vram_bytes >= request.min_partition_vram_bytes) ++count;
  }
  return count;
}

std::optional<PartitionPlacer::Candidate> PartitionPlacer::BestGroupOn(
    NodeFree& node, const PlacementRequest& request) {
  const int size = request.partitions_per_worker;
  int total = 0;
  Candidate candidate{.node = &node, .gpu = -1, .leftover_in_gpu = 0};
  int best_count = 0;
  for (size_t i = 0; i < node.gpus.size(); ++i) {
    const int count = EligibleFree(node.gpus[i], request);
    total += count;
    // Best fit inside one GPU.
    if (count >= size && (candidate.gpu < 0 || count < best_count)) {
      candidate.gpu = static_cast<int>(i);
      best_count = count;
    }
  }
  if (total < size) return std::nullopt;
  // A group wider than any GPU's free partitions ranks after every group
  // that fits in one.
  candidate.leftover_in_gpu = candidate.gpu >= 0 ? best_count - size : 1'000'000 + total - size;
  return candidate;
}

std::vector<int> PartitionPlacer::Take(const Candidate& candidate,
                                       const PlacementRequest& request) {
  const auto size = static_cast<size_t>(request.partitions_per_worker);
  std::vector<GpuFree*> order;
  if (candidate.gpu >= 0) {
    order.push_back(&candidate.node->gpus[static_cast<size_t>(candidate.gpu)]);
  } else {
    // The GPUs with the most free partitions first (whole empty GPUs before
    // partly used ones), so the group spans as few GPUs as possible.
    for (GpuFree& gpu : candidate.node->gpus) order.push_back(&gpu);
    std::stable_sort(order.begin(), order.end(), [&](const GpuFree* a, const GpuFree* b) {
      return EligibleFree(*a, request) > EligibleFree(*b, request);
    });
  }
  std::vector<int> partitions;
  partitions.reserve(size);
  for (GpuFree* gpu : order) {
    if (!Eligible(*gpu, request)) continue;
    std::erase_if(gpu->free, [&](const PartitionView* partition) {
      if (partitions.size() == size || partition->vram_bytes < request.min_partition_vram_bytes) {
        return false;
      }
      partitions.push_back(partition->index);
      return true;
    });
  }
  std::sort(partitions.begin(), partitions.end());
  candidate.node->free_total -= request.partitions_per_worker;
  return partitions;
}

PlacementResult PartitionPlacer::Place(const PlacementRequest& request) {
  std::optional<Candidate> best;
  auto rank = [&](const Candidate& candidate) {
    const auto replicas = request.replicas_per_node.find(candidate.node->node->name);
    const int on_node =
        request.spread && replicas != request.replicas_per_node.end() ? replicas->second : 0;
    const std::string_view name = candidate.node->node->name;
    return std::make_tuple(on_node, candidate.leftover_in_gpu, candidate.node->free_total, name);
  };
  for (NodeFree& node : nodes_) {
    if (node.free_total < request.partitions_per_worker || !Matches(*node.node, request) ||
        request.excluded_nodes.contains(node.node->name)) {
      continue;
    }
    std::optional<Candidate> candidate = BestGroupOn(node, request);
    if (candidate && (!best || rank(*candidate) < rank(*best))) best = candidate;
  }
  if (!best) return {.choice = std::nullopt, .failure = Explain(request)};
  return {
      .choice = PlacementChoice{.node = best->node->node->name, .partitions = Take(*best, request)},
      .failure = {}};
}

PlacementFailure PartitionPlacer::Explain(const PlacementRequest& request) const {
  const std::string needs = request.role + ": needs " + PartitionsNeeded(request) + " on one node";
  if (fleet_.nodes().empty()) {
    return {"NoMatchingNodes", request.role +
                                   ": no GPU node is known; start tessera-agent on "
                                   "the GPU nodes"};
  }
  if (nodes_.empty()) {
    std::vector<std::string> states;
    for (const std::shared_ptr<const NodeView>& node : fleet_.nodes()) {
      states.push_back(node->name + " " +
                       std::string(node->unlisted ? "unlisted" : NodeHealthName(node->health)));
    }
    return {"NoMatchingNodes",
            request.role + ": no GPU node is reachable (" + Join(states, ", ") + ")"};
  }
  std::vector<const NodeFree*> matching;
  for (const NodeFree& node : nodes_) {
    if (Matches(*node.node, request)) matching.push_back(&node);
  }
  if (matching.empty()) {
    return {"NoMatchingNodes", request.role + ": no reachable node matches nodeSelector " +
                                   SelectorText(request.node_selector)};
  }
  std::vector<std::string> refused;
  std::erase_if(matching, [&](const NodeFree* node) {
    if (!request.excluded_nodes.contains(node->node->name)) return false;
    refused.push_back(node->node->name);
    return true;
  });
  if (matching.empty()) {
    return {"AgentRejected",
            request.role + ": the agents of " + Join(refused, ", ") + " refused this worker spec"};
  }
  // Partitions in the right mode, free or not, and the largest of them.
  int64_t largest_partition = 0;
  int most_on_one_node = 0;
  bool any_in_mode = false;
  for (const NodeFree* node : matching) {
    int on_node = 0;
    for (const PartitionView& partition : node->node->partitions) {
      const GpuView* gpu = node->node->FindGpu(partition.gpu);
      if (gpu == nullptr) continue;
      if (!Eligible({.gpu = gpu->index, .mode = gpu->mode, .free = {}}, request)) continue;
      any_in_mode = true;
      largest_partition = std::max(largest_partition, partition.vram_bytes);
      if (partition.vram_bytes >= request.min_partition_vram_bytes) ++on_node;
    }
    most_on_one_node = std::max(most_on_one_node, on_node);
  }
  if (!any_in_mode) {
    return {"NoMatchingNodes",
            request.role + ": no reachable node has " + ModeText(request) + " partitions"};
  }
  if (largest_partition < request.min_partition_vram_bytes) {
    return {"ModelTooLarge", needs + "; the largest partition has " +
                                 FormatBytes(static_cast<uint64_t>(largest_partition))};
  }
  if (most_on_one_node < request.partitions_per_worker) {
    return {"InsufficientPartitions",
            needs + "; the most any node has is " + std::to_string(most_on_one_node)};
  }
  int largest_group = 0;
  std::string largest_group_node;
  for (const NodeFree* node : matching) {
    int group = 0;
    for (const GpuFree& gpu : node->gpus) {
      if (!Eligible(gpu, request)) continue;
      group += static_cast<int>(
          std::count_if(gpu.free.begin(), gpu.free.end(), [&](const PartitionView* partition) {
            return partition->vram_bytes >= request.min_partition_vram_bytes;
          }));
    }
    if (group > largest_group) {
      largest_group = group;
      largest_group_node = node->node->name;
    }
  }
  if (largest_group == 0) {
    return {"InsufficientPartitions", needs + "; every such partition is held"};
  }
  return {"InsufficientPartitions", needs +
                                        "; largest free group: " + std::to_string(largest_group) +
                                        " on " + largest_group_node};
}

}  // namespace tessera::controller
