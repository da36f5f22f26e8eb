#include "controller/fleet/gpu_node_source.h"

#include "base/time_format.h"
#include "kube/resource_type.h"

namespace tessera::controller {
namespace {

using nlohmann::json;

const kube::ResourceType& GpuNodes() { return kube::resource_types::GpuNodes(); }

}  // namespace

GpuNodeSource::GpuNodeSource(kube::KubeClient& client, std::vector<NodeEndpoint> extra,
                             Logger logger)
    : client_(client), extra_(std::move(extra)), logger_(std::move(logger)) {}

GpuNodeSource::~GpuNodeSource() { Stop(); }

void GpuNodeSource::Start() {
  informer_ = std::make_unique<kube::Informer>(
      client_, GpuNodes(), kube::InformerOptions{.logger = logger_.WithComponent("informer")},
      kube::InformerHandlers{});
  informer_->Start();
}

void GpuNodeSource::Stop() {
  if (informer_) informer_->Stop();
}

bool GpuNodeSource::Synced() const { return informer_ && informer_->HasSynced(); }

bool GpuNodeSource::WaitForSync(std::chrono::milliseconds timeout) const {
  return informer_ && informer_->WaitForSync(timeout);
}

std::vector<NodeEndpoint> GpuNodeSource::Nodes() const {
  std::vector<NodeEndpoint> nodes = extra_;
  if (!informer_) return nodes;
  for (const json& object : informer_->List()) {
    const json& metadata = object.value("metadata", json::object());
    const json& spec = object.value("spec", json::object());
    const auto name = metadata.find("name");
    const auto endpoint = spec.find("agentEndpoint");
    if (name == metadata.end() || !name->is_string() || endpoint == spec.end() ||
        !endpoint->is_string()) {
      continue;
    }
    NodeEndpoint node{
        .name = name->get<std::string>(), .endpoint = endpoint->get<std::string>(), .labels = {}};
    while (node.endpoint.ends_with('/')) node.endpoint.pop_back();
    if (const auto labels = metadata.find("labels");
        labels != metadata.end() && labels->is_object()) {
      for (const auto& [key, value] : labels->items()) {
        if (value.is_string()) node.labels[key] = value.get<std::string>();
      }
    }
    nodes.push_back(std::move(node));
  }
  return nodes;
}

void GpuNodeSource::ReportHealth(const NodeView& node) {
  if (node.health != NodeHealth::kLost || !informer_ || !informer_->Get({"", node.name})) return;
  // Nothing can be placed on a lost node: its last free count would mislead
  // (the agent's next heartbeat writes the real one).
  const json patch = {
      {"status",
       {{"partitions", {{"free", 0}}},
        {"conditions",
         {{{"type", "Ready"},
           {"status", "Unknown"},
           {"reason", "NodeLost"},
           {"message", "the controller cannot reach the agent: " +
                           (node.last_error.empty() ? std::string("no answer") : node.last_error)},
           {"lastTransitionTime", FormatRfc3339(std::chrono::system_clock::now())}}}}}}};
  StatusOr<json> patched =
      client_.Patch(GpuNodes(), {"", node.name}, patch, kube::PatchType::kMerge, "status");
  if (!patched.ok()) {
    logger_.Warning("GPUNode not marked lost", {{"node", node.name}, {"error", patched.status()}});
  }
}

}  // namespace tessera::controller
