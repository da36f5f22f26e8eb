// Publishes this node's GPUNode to the Kubernetes API and keeps it fresh:
// on start and every heartbeat period it creates the object if it is
// missing, corrects its endpoint and labels if they differ, and replaces its
// status with the current inventory. The controller finds agents through
// these objects; the heartbeat tells it (and `kubectl get gpunodes`) the
// agent is alive.
//
// Publishing never blocks the agent's event loop, and a failing API server
// only delays the next heartbeat: it never affects a worker.

#ifndef TESSERA_AGENT_REGISTRATION_GPU_NODE_PUBLISHER_H_
#define TESSERA_AGENT_REGISTRATION_GPU_NODE_PUBLISHER_H_

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/logging.h"
#include "base/status.h"
#include "kube/kube_client.h"
#include "kube/stoppable_thread.h"

namespace tessera::agent {

struct GpuNodePublisherOptions {
  std::string node_name;
  std::string agent_endpoint;  // "http://10.0.0.5:8470"
  std::map<std::string, std::string> labels{};
  std::chrono::milliseconds heartbeat_period{10'000};
};

class GpuNodePublisher {
 public:
  // The current GPUNode status (see GpuNodeStatusJson); called on the
  // publisher's thread; nullopt skips this heartbeat.
  using StatusSource = std::function<std::optional<nlohmann::json>()>;

  // `client` must outlive the publisher.
  GpuNodePublisher(kube::KubeClient& client, GpuNodePublisherOptions options, StatusSource status,
                   Logger logger);
  GpuNodePublisher(const GpuNodePublisher&) = delete;
  GpuNodePublisher& operator=(const GpuNodePublisher&) = delete;
  ~GpuNodePublisher();

  // Publishes now and every heartbeat on a thread of its own; no-op when
  // running.
  void Start();
  // Returns once the thread has ended; requests in flight are cancelled.
  // Start() may follow.
  void Stop();

  // One heartbeat. Public so tests can drive it.
  Status PublishOnce();

 private:
  void Run();

  kube::KubeClient& client_;
  GpuNodePublisherOptions options_;
  StatusSource status_;
  Logger logger_;
  kube::StoppableThread thread_;
};

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_REGISTRATION_GPU_NODE_PUBLISHER_H_
