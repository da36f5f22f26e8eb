// DeploymentStore over the Kubernetes API: ModelDeployments and their
// ModelDeploymentRoles, watched through informers (list + watch, relist on
// 410 Gone), status written through the /status subresource with
// optimistic concurrency and retried on conflict, the workers finalizer,
// and events.k8s.io/v1 Events.
//
// ModelDeploymentRoles are the per-role scale adapters: one per role,
// `<deployment>-<role>`, owned by the deployment. Their spec.replicas and
// the deployment's spec.<role>.replicas are kept equal; the annotation
// serving.tessera.io/synced-replicas records the count both last agreed
// on, so a change on either side is told apart (the role's wins when both
// moved at once, as an autoscaler's decision is the fresher one).
//
// A deployment with routers also gets a Service `<deployment>` without a
// selector and EndpointSlices listing its ready routers (router_service.h),
// both owned by it and kept equal to what the last pass found, through
// informers on the objects the controller manages (by their managed-by
// labels), so a deleted or edited Service is put back by the next pass.

#ifndef TESSERA_CONTROLLER_STORE_KUBE_STORE_H_
#define TESSERA_CONTROLLER_STORE_KUBE_STORE_H_

#include <memory>
#include <string>

#include "base/logging.h"
#include "controller/store/deployment_store.h"
#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "kube/kube_client.h"

namespace tessera::controller {

struct KubeStoreOptions {
  std::string namespace_name;  // empty: every namespace
  std::string identity;        // the events' reportingInstance
};

class KubeDeploymentStore final : public DeploymentStore {
 public:
  // `client` must outlive the store.
  KubeDeploymentStore(kube::KubeClient& client, KubeStoreOptions options, Logger logger);
  ~KubeDeploymentStore() override;

  Status Start(std::function<void(const resources::ObjectKey&)> on_change) override;
  void Stop() override;
  bool Synced() const override;
  std::vector<resources::ObjectKey> Keys() const override;
  std::optional<DeploymentRecord> Get(const resources::ObjectKey& key) const override;
  Status WriteStatus(const DeploymentRecord& record,
                     const resources::ModelDeploymentStatus& status) override;
  Status AddFinalizer(const DeploymentRecord& record) override;
  Status RemoveFinalizer(const DeploymentRecord& record) override;
  Status SyncScaleTargets(const resources::ObjectKey& key, DeploymentRecord* record) override;
  Status SyncEndpoint(const resources::ObjectKey& key, const DeploymentRecord* record,
                      const std::vector<RouterAddress>& routers) override;
  void RecordEvent(const DeploymentRecord& record, EventType type, std::string_view reason,
                   std::string_view message) override;

 private:
  Status SetFinalizers(const DeploymentRecord& record, std::vector<std::string> finalizers);
  Status WriteRoleStatus(const DeploymentRecord& record,
                         const resources::ModelDeploymentStatus& status);

  kube::KubeClient& client_;
  KubeStoreOptions options_;
  Logger logger_;
  std::unique_ptr<kube::Informer> deployments_;
  std::unique_ptr<kube::Informer> roles_;
  std::unique_ptr<kube::Informer> services_;
  std::unique_ptr<kube::Informer> slices_;
  std::unique_ptr<kube::EventRecorder> events_;
};

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_STORE_KUBE_STORE_H_
