#include "controller/fleet/node_source.h"

#include "base/strings.h"

namespace tessera::controller {

StatusOr<NodeEndpoint> ParseNodeEndpoint(const std::string& text) {
  const size_t equals = text.find('=');
  if (equals == std::string::npos || equals == 0) {
    return InvalidArgumentError("--agent: expected NAME=URL (node-a=http://10.0.0.5:8470), got " +
                                Quote(text));
  }
  NodeEndpoint node{
      .name = text.substr(0, equals), .endpoint = text.substr(equals + 1), .labels = {}};
  if (!node.endpoint.starts_with("http://") && !node.endpoint.starts_with("https://")) {
    return InvalidArgumentError("--agent " + node.name +
                                ": the URL must start with http:// or "
                                "https://, got " +
                                Quote(node.endpoint));
  }
  while (node.endpoint.ends_with('/')) node.endpoint.pop_back();
  return node;
}

}  // namespace tessera::controller
