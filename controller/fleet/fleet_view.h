// What the controller has observed of its nodes: for each agent, whether it
// answers, its partitions and the workers it runs. The reconciler compares
// desired state with this and nothing else, so every decision is made from
// observation, never from memory of past actions.

#ifndef TESSERA_CONTROLLER_FLEET_FLEET_VIEW_H_
#define TESSERA_CONTROLLER_FLEET_FLEET_VIEW_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hardware/partition_mode.h"
#include "wire/worker_status.h"

namespace tessera::controller {

struct PartitionView {
  int index = 0;  // node-wide, as worker specs name partitions
  int gpu = 0;
  int index_in_gpu = 0;
  int64_t vram_bytes = 0;
  int compute_units = 0;
  std::string holder{};  // the worker holding it; empty when free
};

struct GpuView {
  int index = 0;
  std::string product{};
  hardware::PartitionMode mode{};
};

// A worker as its agent reports it (GET /v1/workers).
using ObservedWorker = wire::WorkerStatus;

enum class NodeHealth {
  kUnknown,      // not answered yet since the controller started
  kReachable,    // answered the last poll
  kUnreachable,  // stopped answering, not for long enough to be lost
  kLost,         // has not answered for the node-lost timeout: its workers are replaced
};
std::string_view NodeHealthName(NodeHealth health);

struct NodeView {
  std::string name{};
  std::string endpoint{};  // the agent's base URL
  std::map<std::string, std::string> labels{};
  NodeHealth health = NodeHealth::kUnknown;
  std::string last_error{};
  // Polls the agent has not answered since the controller started: a
  // counter, for the controller's metrics.
  uint64_t failed_polls = 0;
  // When the agent last answered; nullopt when it never has.
  std::optional<std::chrono::steady_clock::time_point> last_seen{};
  std::vector<GpuView> gpus{};
  std::vector<PartitionView> partitions{};
  std::vector<ObservedWorker> workers{};
  // The node answered again after being lost, within the last few minutes
  // (FleetMonitorOptions::returned_node_memory). Its workers were replaced
  // meanwhile, so they are the ones a surplus removes: the replacements are
  // known to serve, and this node has just proved unreliable.
  bool returned_after_loss = false;
  // Its GPUNode (or --agent) is gone, but it may still run workers: it is
  // watched at its last endpoint, and lost after the timeout like any other
  // node, but never given new workers. Forgotten once it answers with none.
  bool unlisted = false;

  const GpuView* FindGpu(int index) const;
};

// A worker and the node it runs on.
struct WorkerRef {
  const NodeView* node = nullptr;
  const ObservedWorker* worker = nullptr;
};

// Immutable once built, so the reconciler reads it without locks while the
// monitor builds the next one. Nodes are shared between successive views:
// a write recorded on one node copies that node alone.
class FleetView {
 public:
  FleetView() = default;
  // `poll` numbers the poll the view comes from: views of the same poll
  // differ only by the writes the controller itself recorded.
  explicit FleetView(std::vector<std::shared_ptr<const NodeView>> nodes, uint64_t poll = 0);

  const std::vector<std::shared_ptr<const NodeView>>& nodes() const { return nodes_; }
  uint64_t poll() const { return poll_; }

  // Every node has answered at least once or been declared lost: only then
  // is it safe to act, since a node not yet heard from may run workers the
  // controller would otherwise duplicate.
  bool Synced() const { return synced_; }
  const NodeView* FindNode(std::string_view name) const;
  // Workers whose spec names this deployment, on every node.
  std::span<const WorkerRef> WorkersOf(std::string_view namespace_name,
                                       std::string_view deployment) const;

 private:
  std::vector<std::shared_ptr<const NodeView>> nodes_;
  uint64_t poll_ = 0;
  bool synced_ = true;
  std::map<std::pair<std::string, std::string>, std::vector<WorkerRef>, std::less<>> by_deployment_;
};

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_FLEET_FLEET_VIEW_H_
