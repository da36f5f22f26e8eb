#include "agent/registration/gpu_node_publisher.h"

#include "kube/resource_type.h"

namespace tessera::agent {
namespace {

using nlohmann::json;

json Labels(const std::map<std::string, std::string>& labels) {
  json object = json::object();
  for (const auto& [key, value] : labels) object[key] = value;
  return object;
}

}  // namespace

GpuNodePublisher::GpuNodePublisher(kube::KubeClient& client, GpuNodePublisherOptions options,
                                   StatusSource status, Logger logger)
    : client_(client),
      options_(std::move(options)),
      status_(std::move(status)),
      logger_(std::move(logger)) {}

GpuNodePublisher::~GpuNodePublisher() { Stop(); }

void GpuNodePublisher::Start() {
  thread_.Start([this] { Run(); });
}

void GpuNodePublisher::Stop() { thread_.Stop(); }

void GpuNodePublisher::Run() {
  bool failing = false;
  do {
    const Status published = PublishOnce();
    if (!published.ok() && !failing) {
      logger_.Warning("GPUNode not published; retrying every heartbeat",
                      {{"node", options_.node_name}, {"error", published}});
    } else if (published.ok() && failing) {
      logger_.Info("GPUNode published again", {{"node", options_.node_name}});
    }
    failing = !published.ok();
  } while (thread_.SleepFor(options_.heartbeat_period));
}

Status GpuNodePublisher::PublishOnce() {
  const kube::ResourceType& type = kube::resource_types::GpuNodes();
  const kube::CallOptions call{.timeout = std::chrono::seconds(10),
                               .canceller = &thread_.canceller()};
  const kube::ObjectKey key{"", options_.node_name};
  StatusOr<json> object = client_.Get(type, key, call);
  if (!object.ok() && object.status().code() == StatusCode::kNotFound) {
    object = client_.Create(
        type, "",
        {{"apiVersion", type.ApiVersion()},
         {"kind", type.kind},
         {"metadata", {{"name", options_.node_name}, {"labels", Labels(options_.labels)}}},
         {"spec", {{"agentEndpoint", options_.agent_endpoint}}}},
        call);
    if (object.ok()) logger_.Info("GPUNode created", {{"node", options_.node_name}});
  }
  if (!object.ok()) return object.status();

  const json labels = Labels(options_.labels);
  const json* current_labels = nullptr;
  if (const auto metadata = object->find("metadata"); metadata != object->end()) {
    if (const auto found = metadata->find("labels"); found != metadata->end()) {
      current_labels = &*found;
    }
  }
  const bool labels_differ =
      !options_.labels.empty() && (current_labels == nullptr || *current_labels != labels);
  const json* endpoint = nullptr;
  if (const auto spec = object->find("spec"); spec != object->end() && spec->is_object()) {
    if (const auto found = spec->find("agentEndpoint"); found != spec->end()) endpoint = &*found;
  }
  const bool endpoint_differs = endpoint == nullptr || *endpoint != options_.agent_endpoint;
  if (labels_differ || endpoint_differs) {
    (*object)["metadata"]["labels"] = labels;
    (*object)["spec"]["agentEndpoint"] = options_.agent_endpoint;
    object = client_.Update(type, *object, call);
    if (!object.ok()) return object.status();
  }

  std::optional<json> status = status_();
  if (!status) return UnavailableError("the agent's inventory is not available");
  (*object)["status"] = std::move(*status);
  StatusOr<json> updated = client_.UpdateStatus(type, *object, call);
  return updated.ok() ? OkStatus() : updated.status();
}

}  // namespace tessera::agent
