// Where desired state lives and status goes: the Kubernetes API
// (KubeDeploymentStore) or a directory of the same manifests
// (DirectoryDeploymentStore, the embedded default). One interface, so the
// reconciler cannot tell them apart.

#ifndef TESSERA_CONTROLLER_STORE_DEPLOYMENT_STORE_H_
#define TESSERA_CONTROLLER_STORE_DEPLOYMENT_STORE_H_

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "resources/model_deployment.h"

namespace tessera::controller {

// A ModelDeployment as the store holds it. A manifest that no longer
// parses keeps its last good spec (the directory store) or none (an object
// the API server accepted but the controller cannot use), and `error` says
// what is wrong, so a typo never removes running workers.
struct DeploymentRecord {
  resources::ObjectMeta metadata{};
  std::optional<resources::ModelDeploymentSpec> spec{};
  resources::ModelDeploymentStatus status{};
  Status error{};
};

enum class EventType { kNormal, kWarning };

// A ready router, as clients reach it: its agent's advertised host and the
// port the agent gave it.
struct RouterAddress {
  std::string host{};
  int port = 0;
  friend auto operator<=>(const RouterAddress&, const RouterAddress&) = default;
};

class DeploymentStore {
 public:
  virtual ~DeploymentStore() = default;

  // Begins watching. `on_change` is called, from any thread, with the key of
  // every deployment that may need a reconcile pass.
  virtual Status Start(std::function<void(const resources::ObjectKey&)> on_change) = 0;
  virtual void Stop() = 0;

  // True once the store has read everything there is at least once.
  virtual bool Synced() const = 0;

  virtual std::vector<resources::ObjectKey> Keys() const = 0;
  virtual std::optional<DeploymentRecord> Get(const resources::ObjectKey& key) const = 0;

  // Replaces the status of the deployment `record` was read as. Aborted when
  // it has changed since (the next pass reads it again and retries).
  virtual Status WriteStatus(const DeploymentRecord& record,
                             const resources::ModelDeploymentStatus& status) = 0;

  // The controller's finalizer keeps a deleted deployment around until its
  // workers are drained. Stores without deletion semantics ignore these.
  virtual Status AddFinalizer(const DeploymentRecord& record) = 0;
  virtual Status RemoveFinalizer(const DeploymentRecord& record) = 0;

  // Brings the per-role scale targets in line with the deployment, before a
  // pass: the Kubernetes store's ModelDeploymentRoles, which HPA, KEDA and
  // `kubectl scale` change. A target scaled since the last sync changes the
  // deployment (and `record->spec`); a deployment edited since changes the
  // target. A null `record` (the deployment is gone) removes its targets.
  // Stores without scale targets do nothing.
  virtual Status SyncScaleTargets(const resources::ObjectKey& key, DeploymentRecord* record) = 0;

  // Brings the deployment's in-cluster address in line, after a pass: the
  // Kubernetes store's Service `<name>` and EndpointSlices listing
  // `routers` (router_service.h) while the deployment wants routers, none
  // once it does not, is deleted or gone (a null `record`). Stores without
  // a cluster do nothing.
  virtual Status SyncEndpoint(const resources::ObjectKey& key, const DeploymentRecord* record,
                              const std::vector<RouterAddress>& routers) = 0;

  // Best effort: never fails the pass, never waits on the network (the
  // directory store writes a small local file, as it writes status).
  virtual void RecordEvent(const DeploymentRecord& record, EventType type, std::string_view reason,
                           std::string_view message) = 0;
};

inline constexpr std::string_view kWorkersFinalizer = "serving.tessera.io/workers";

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_STORE_DEPLOYMENT_STORE_H_
