// Where the controller learns which agents exist: GPUNode objects in
// Kubernetes (published by the agents), or a fixed list for the embedded
// default and tests.

#ifndef TESSERA_CONTROLLER_FLEET_NODE_SOURCE_H_
#define TESSERA_CONTROLLER_FLEET_NODE_SOURCE_H_

#include <map>
#include <string>
#include <vector>

#include "base/status.h"

namespace tessera::controller {

struct NodeEndpoint {
  std::string name{};
  std::string endpoint{};  // the agent's base URL, "http://node-a:8470"
  std::map<std::string, std::string> labels{};
};

class NodeSource {
 public:
  virtual ~NodeSource() = default;
  // The nodes known now. Thread-safe.
  virtual std::vector<NodeEndpoint> Nodes() const = 0;
};

class StaticNodeSource final : public NodeSource {
 public:
  explicit StaticNodeSource(std::vector<NodeEndpoint> nodes) : nodes_(std::move(nodes)) {}
  std::vector<NodeEndpoint> Nodes() const override { return nodes_; }

 private:
  std::vector<NodeEndpoint> nodes_;
};

// Parses "name=url" (the controller's --agent flag). The URL must start
// with http:// or https://.
StatusOr<NodeEndpoint> ParseNodeEndpoint(const std::string& text);

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_FLEET_NODE_SOURCE_H_
