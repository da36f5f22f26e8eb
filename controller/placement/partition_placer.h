// Chooses partitions for new workers.
//
// A worker needs `partitions_per_worker` free partitions on one node, each
// with at least the VRAM its share of the model needs, in the required
// partition mode, on a node whose labels match the selector. Among the
// nodes that can host it:
//   - spread: nodes with fewer workers of the same deployment role first,
//     so that losing a node loses as few replicas as possible;
//   - best fit: a group inside one physical GPU, on the GPU with the fewest
//     free partitions that still hold it, so that whole GPUs stay free for
//     wide tensor-parallel groups instead of being nibbled at;
//   - then the node with the fewest free partitions, then by name, so the
//     choice is deterministic.
// When nothing fits, the failure says why in numbers a user can act on.

#ifndef TESSERA_CONTROLLER_PLACEMENT_PARTITION_PLACER_H_
#define TESSERA_CONTROLLER_PLACEMENT_PARTITION_PLACER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "controller/fleet/fleet_view.h"
#include "hardware/partition_mode.h"

namespace tessera::controller {

struct PlacementRequest {
  std::string role{};  // for messages: "decode"
  // tensorParallelSize × pipelineParallelSize: one partition per rank.
  int partitions_per_worker = 1;
  int64_t min_partition_vram_bytes = 0;
  std::optional<hardware::ComputePartition> compute_partition{};
  std::optional<hardware::MemoryPartition> memory_partition{};
  std::map<std::string, std::string> node_selector{};
  bool spread = true;
  // Workers of the same deployment role already on each node.
  std::map<std::string, int> replicas_per_node{};
  // Nodes whose agents refused this worker spec recently; never chosen.
  std::set<std::string> excluded_nodes{};
};

struct PlacementChoice {
  std::string node{};
  std::vector<int> partitions{};  // node-wide indices, ascending
};

struct PlacementFailure {
  // NoMatchingNodes, ModelTooLarge, InsufficientPartitions, or
  // AgentRejected when only excluded nodes could host it.
  std::string reason{};
  std::string message{};
};

struct PlacementResult {
  std::optional<PlacementChoice> choice{};
  PlacementFailure failure{};  // set when choice is empty
};

class PartitionPlacer {
 public:
  // Indexes the free partitions of reachable nodes that are still listed.
  // `fleet` must outlive the placer.
  explicit PartitionPlacer(const FleetView& fleet);

  // Chooses a group and marks it taken, so later calls in the same pass
  // do not choose it again.
  PlacementResult Place(const PlacementRequest& request);

 private:
  struct GpuFree {
    int gpu = 0;
    hardware::PartitionMode mode{};
    std::vector<const PartitionView*> free;  // by index within the GPU
  };
  struct NodeFree {
    const NodeView* node = nullptr;
    std::vector<GpuFree> gpus;
    int free_total = 0;
  };
  // Where a group fits on one node, found without allocating: placement
  // scores every node for every worker.
  struct Candidate {
    NodeFree* node = nullptr;
    int gpu = -1;             // position in node->gpus; -1: the group spans GPUs
    int leftover_in_gpu = 0;  // eligible free partitions the group leaves on its GPU(s)
  };

  static int EligibleFree(const GpuFree& gpu, const PlacementRequest& request);
  static std::optional<Candidate> BestGroupOn(NodeFree& node, const PlacementRequest& request);
  // Takes the candidate's partitions out of the free lists.
  static std::vector<int> Take(const Candidate& candidate, const PlacementRequest& request);
  PlacementFailure Explain(const PlacementRequest& request) const;
  static bool Eligible(const GpuFree& gpu, const PlacementRequest& request);
  static bool Matches(const NodeView& node, const PlacementRequest& request);

  const FleetView& fleet_;
  std::vector<NodeFree> nodes_;
};

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_PLACEMENT_PARTITION_PLACER_H_
