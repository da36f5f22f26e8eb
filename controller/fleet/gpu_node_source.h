// The nodes the agents have published as GPUNode objects (and any given on
// the command line), watched through an informer. When the controller
// judges a node lost, it says so on the GPUNode's Ready condition
// (Unknown, NodeLost), as Kubernetes' node lifecycle controller does for
// Nodes; the agent's next heartbeat sets it back.

#ifndef TESSERA_CONTROLLER_FLEET_GPU_NODE_SOURCE_H_
#define TESSERA_CONTROLLER_FLEET_GPU_NODE_SOURCE_H_

#include <chrono>
#include <memory>
#include <vector>

#include "base/logging.h"
#include "controller/fleet/fleet_view.h"
#include "controller/fleet/node_source.h"
#include "kube/informer.h"
#include "kube/kube_client.h"

namespace tessera::controller {

class GpuNodeSource final : public NodeSource {
 public:
  // `client` must outlive the source. `extra` nodes are always included.
  GpuNodeSource(kube::KubeClient& client, std::vector<NodeEndpoint> extra, Logger logger);
  ~GpuNodeSource() override;

  void Start();
  void Stop();
  bool Synced() const;
  // Waits until the first list of GPUNodes is in; false on timeout, or when
  // the source is not started or stopped meanwhile.
  bool WaitForSync(std::chrono::milliseconds timeout) const;
  std::vector<NodeEndpoint> Nodes() const override;

  // Called when a node's health changes; marks a lost node's GPUNode.
  void ReportHealth(const NodeView& node);

 private:
  kube::KubeClient& client_;
  std::vector<NodeEndpoint> extra_;
  Logger logger_;
  std::unique_ptr<kube::Informer> informer_;
};

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_FLEET_GPU_NODE_SOURCE_H_
