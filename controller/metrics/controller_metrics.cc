#include "controller/metrics/controller_metrics.h"

#include <array>
#include <map>
#include <sstream>
#include <string_view>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace tessera::controller {

using prometheus::ClientMetric;
using prometheus::Counter;
using prometheus::Histogram;
using prometheus::MetricFamily;
using prometheus::MetricType;

struct ControllerMetrics::Instruments {
  Counter& reconciles_succeeded;
  Counter& reconciles_failed;
  Histogram& reconcile_seconds;
};

namespace {

// The conditions a ModelDeployment's status carries (docs/resources.md).
constexpr std::array<std::string_view, 4> kConditionTypes = {"Ready", "Progressing", "Degraded",
                                                             "Unschedulable"};

MetricFamily Family(std::string name, std::string help, MetricType type) {
  return {.name = std::move(name), .help = std::move(help), .type = type, .metric = {}};
}

ClientMetric Sample(std::vector<ClientMetric::Label> labels, double value, MetricType type) {
  ClientMetric metric;
  metric.label = std::move(labels);
  if (type == MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return metric;
}

// Desired workers per role as the spec asks now (so a scale shows at once),
// ready ones as the last pass counted them; a role the spec no longer has
// but whose workers are still draining is desired 0.
void AppendDeployment(const resources::ObjectKey& key, const DeploymentRecord& record,
                      MetricFamily& desired, MetricFamily& ready, MetricFamily& conditions) {
  std::map<wire::WorkerRole, int> wanted;
  if (record.spec) {
    for (wire::WorkerRole role : record.spec->ManagedRoles()) {
      if (role == wire::WorkerRole::kRouter && record.spec->router.replicas == 0) continue;
      wanted[role] = record.spec->Replicas(role);
    }
  }
  for (const auto& [role, counts] : record.status.roles) wanted.try_emplace(role, 0);
  const ClientMetric::Label namespace_label{.name = "namespace", .value = key.namespace_name};
  const ClientMetric::Label deployment_label{.name = "deployment", .value = key.name};
  for (const auto& [role, count] : wanted) {
    const std::vector<ClientMetric::Label> labels = {
        namespace_label,
        deployment_label,
        {.name = "role", .value = std::string(wire::WorkerRoleName(role))}};
    desired.metric.push_back(Sample(labels, count, MetricType::Gauge));
    const auto counts = record.status.roles.find(role);
    ready.metric.push_back(Sample(
        labels, counts == record.status.roles.end() ? 0 : counts->second.ready, MetricType::Gauge));
  }
  for (std::string_view type : kConditionTypes) {
    const resources::Condition* condition =
        resources::FindCondition(record.status.conditions, std::string(type));
    conditions.metric.push_back(Sample(
        {namespace_label, deployment_label, {.name = "condition", .value = std::string(type)}},
        condition != nullptr && condition->status == "True" ? 1 : 0, MetricType::Gauge));
  }
}

}  // namespace

ControllerMetrics::ControllerMetrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto& reconciles = prometheus::BuildCounter()
                         .Name("tessera_controller_reconciles_total")
                         .Help("Reconcile passes of one deployment, by result")
                         .Register(*registry_);
  // A pass moves workers through agents over the network: from a
  // millisecond (nothing to do) to the agents' timeout and beyond.
  auto& reconcile_seconds =
      prometheus::BuildHistogram()
          .Name("tessera_controller_reconcile_duration_seconds")
          .Help("Time one reconcile pass of one deployment took")
          .Register(*registry_)
          .Add({}, Histogram::BucketBoundaries{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                               2.5, 5, 10, 30, 60});
  instruments_ = std::make_unique<Instruments>(
      Instruments{.reconciles_succeeded = reconciles.Add({{"result", "success"}}),
                  .reconciles_failed = reconciles.Add({{"result", "error"}}),
                  .reconcile_seconds = reconcile_seconds});
}

ControllerMetrics::~ControllerMetrics() = default;

void ControllerMetrics::ObserveFrom(const DeploymentStore* store, const FleetMonitor* fleet) {
  const std::scoped_lock lock(sources_mutex_);
  store_ = store;
  fleet_ = fleet;
}

void ControllerMetrics::SetLeading(bool leading) { leading_ = leading; }

void ControllerMetrics::RecordReconcile(bool succeeded, std::chrono::duration<double> took) {
  (succeeded ? instruments_->reconciles_succeeded : instruments_->reconciles_failed).Increment();
  instruments_->reconcile_seconds.Observe(took.count());
}

std::string ControllerMetrics::Serialize() const {
  std::vector<MetricFamily> families = registry_->Collect();
  MetricFamily leader =
      Family("tessera_controller_leader",
             "1 while this replica leads and reconciles, 0 while it waits", MetricType::Gauge);
  leader.metric.push_back(Sample({}, leading_ ? 1 : 0, MetricType::Gauge));
  families.push_back(std::move(leader));
  if (leading_) {
    const std::scoped_lock lock(sources_mutex_);
    if (fleet_ != nullptr) {
      MetricFamily up =
          Family("tessera_controller_agent_up",
                 "1 when the agent answered the controller's last poll", MetricType::Gauge);
      MetricFamily failures = Family("tessera_controller_agent_poll_failures_total",
                                     "Polls of the agent that failed", MetricType::Counter);
      // Held for the loop: a temporary's nodes() would dangle once the
      // monitor publishes its next view.
      const std::shared_ptr<const FleetView> fleet = fleet_->Snapshot();
      for (const std::shared_ptr<const NodeView>& node : fleet->nodes()) {
        const std::vector<ClientMetric::Label> labels = {{.name = "node", .value = node->name}};
        up.metric.push_back(
            Sample(labels, node->health == NodeHealth::kReachable ? 1 : 0, MetricType::Gauge));
        failures.metric.push_back(
            Sample(labels, static_cast<double>(node->failed_polls), MetricType::Counter));
      }
      families.push_back(std::move(up));
      families.push_back(std::move(failures));
    }
    if (store_ != nullptr) {
      MetricFamily desired = Family("tessera_controller_deployment_replicas",
                                    "Workers the deployment wants, by role", MetricType::Gauge);
      MetricFamily ready = Family("tessera_controller_deployment_ready_replicas",
                                  "Ready workers of the deployment, by role", MetricType::Gauge);
      MetricFamily conditions =
          Family("tessera_controller_deployment_condition",
                 "1 while the deployment's condition is True, else 0", MetricType::Gauge);
      for (const resources::ObjectKey& key : store_->Keys()) {
        if (const std::optional<DeploymentRecord> record = store_->Get(key)) {
          AppendDeployment(key, *record, desired, ready, conditions);
        }
      }
      families.push_back(std::move(desired));
      families.push_back(std::move(ready));
      families.push_back(std::move(conditions));
    }
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace tessera::controller
