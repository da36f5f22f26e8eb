// Routers under the reconciler: placed without partitions, rolled out like
// workers, fed the deployment's ready workers without a PUT per pass, and
// published as status.endpoint.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/controller/reconciler_fixture.h"

namespace tessera::controller {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using wire::WorkerRole;

std::string Disaggregated(const std::string& router) {
  return "apiVersion: serving.tessera.io/v1alpha1\nkind: ModelDeployment\n"
         "metadata: {name: llama, namespace: default}\n"
         "spec:\n  model: {source: meta-llama/Llama-3.1-8B-Instruct}\n"
         "  engine: {kind: sim, maxModelLen: 8192}\n  mode: disaggregated\n"
         "  prefill: {replicas: 1}\n  decode: {replicas: 1}\n" +
         router;
}

class RouterReconcilerTest : public ReconcilerTest {
 protected:
  std::vector<ObservedWorker*> Routers() {
    std::vector<ObservedWorker*> routers;
    for (const char* node : {"node-a", "node-b", "node-c"}) {
      for (auto& [id, worker] : agents_.Node(node).workers) {
        if (worker.spec.role == WorkerRole::kRouter &&
            worker.state != wire::WorkerState::kDraining) {
          routers.push_back(&worker);
        }
      }
    }
    return routers;
  }
  std::string NodeOf(const std::string& id) {
    for (const char* node : {"node-a", "node-b", "node-c"}) {
      if (agents_.Node(node).workers.contains(id)) return node;
    }
    return "";
  }

  void SetUp() override {
    agents_.AddNode("node-a", 1, 8, 24 * kGiB);
    agents_.AddNode("node-b", 1, 8, 24 * kGiB);
    agents_.AddNode("node-c", 1, 8, 24 * kGiB);
  }
};

TEST_F(RouterReconcilerTest, RoutersRunWithoutPartitionsBesideTheWorkersOnePerNode) {
  store_.Apply(Aggregated(2, 8192, "", 2));
  Pass();
  const std::vector<ObservedWorker*> routers = Routers();
  ASSERT_EQ(routers.size(), 2U);
  std::set<std::string> worker_nodes;
  for (const ObservedWorker* worker : agents_.Workers("llama")) {
    if (worker->spec.role == WorkerRole::kAggregated) worker_nodes.insert(NodeOf(worker->id));
  }
  std::set<std::string> router_nodes;
  for (const ObservedWorker* router : routers) {
    EXPECT_THAT(router->spec.partitions, IsEmpty());
    EXPECT_EQ(router->spec.engine, "tessera-router");
    EXPECT_EQ(router->spec.settings.served_model_name, "llama");
    EXPECT_THAT(router->spec.settings.extra_args, ElementsAre("--policy", "cache_aware"));
    EXPECT_EQ(router->id.substr(0, 21), "default.llama.router-");
    router_nodes.insert(NodeOf(router->id));
  }
  EXPECT_EQ(router_nodes, worker_nodes) << "spread, and where the workers are";
  for (const char* node : {"node-a", "node-b", "node-c"}) {
    for (const PartitionView& partition : agents_.Node(node).partitions) {
      EXPECT_EQ(partition.holder.find(".router-"), std::string::npos);
    }
  }
  EXPECT_THAT(Messages("WorkerCreated"),
              ::testing::Contains(::testing::AllOf(HasSubstr(".router-"),
                                                   ::testing::Not(HasSubstr("partitions")))));
}

TEST_F(RouterReconcilerTest, ADeploymentThatCannotBePlacedRunsNoRouter) {
  store_.Apply(Aggregated(1, 8192, "", 1)
                   .replace(Aggregated(1, 8192, "", 1).find("meta-llama/Llama-3.1-8B-Instruct"), 32,
                            "acme/secret-model"));
  Pass();
  EXPECT_THAT(agents_.Workers("llama"), IsEmpty());
  EXPECT_EQ(Condition("Unschedulable").reason, "ModelUnknown");
  EXPECT_EQ(Status().roles.at(WorkerRole::kRouter).desired, 1);
}

TEST_F(RouterReconcilerTest, ADeploymentScaledToNoWorkersKeepsItsRouter) {
  ApplyAndSettle(Aggregated(0, 8192, "", 1));
  EXPECT_EQ(Routers().size(), 1U);
}

TEST_F(RouterReconcilerTest, ReadyRoutersAreToldTheReadyWorkersAndOneIsTheEndpoint) {
  store_.Apply(Disaggregated("  router: {replicas: 1, prefillPolicy: least_load}\n"));
  Pass();
  EXPECT_EQ(routers_.puts, 0) << "no router is ready yet";
  EXPECT_EQ(Status().endpoint, "");
  agents_.Settle();
  for (const char* node : {"node-a", "node-b", "node-c"}) {
    for (auto& [id, worker] : agents_.Node(node).workers) {
      if (worker.spec.role == WorkerRole::kPrefill) worker.bootstrap_port = 8998;
    }
  }
  Pass();
  const std::vector<ObservedWorker*> routers = Routers();
  ASSERT_EQ(routers.size(), 1U);
  EXPECT_THAT(routers[0]->spec.settings.extra_args,
              ElementsAre("--policy", "cache_aware", "--prefill-policy", "least_load",
                          "--pd-protocol", "sglang"));
  ASSERT_TRUE(routers_.memberships.contains(routers[0]->url));
  const RouterMembership& membership = routers_.memberships.at(routers[0]->url);
  ASSERT_EQ(membership.workers.size(), 2U);
  std::map<WorkerRole, RouterMember> by_role;
  for (const RouterMember& member : membership.workers) by_role[member.role] = member;
  EXPECT_EQ(by_role.at(WorkerRole::kPrefill).bootstrap_port, 8998);
  EXPECT_EQ(by_role.at(WorkerRole::kDecode).bootstrap_port, std::nullopt);
  EXPECT_EQ(Status().endpoint, routers[0]->url);
  EXPECT_EQ(Status().roles.at(WorkerRole::kRouter).ready, 1);
  EXPECT_EQ(Condition("Ready").status, "True");
}

TEST_F(RouterReconcilerTest, ARouterIsToldAgainOnlyWhenItsWorkersChangeOrItRestarts) {
  ApplyAndSettle(Aggregated(2, 8192, "", 1));
  Pass();
  ASSERT_EQ(routers_.puts, 1);
  ObservedWorker& router = *Routers().front();
  EXPECT_EQ(routers_.memberships.at(router.url).workers.size(), 2U);

  Pass();
  Pass();
  EXPECT_EQ(routers_.puts, 1) << "nothing changed: no PUT";

  // A worker stops being ready: the router is told it is one fewer.
  ObservedWorker* worker = nullptr;
  for (const char* node : {"node-a", "node-b", "node-c"}) {
    for (auto& [id, candidate] : agents_.Node(node).workers) {
      if (candidate.spec.role == WorkerRole::kAggregated) worker = &candidate;
    }
  }
  ASSERT_NE(worker, nullptr);
  worker->state = wire::WorkerState::kBackoff;
  Pass();
  EXPECT_EQ(routers_.puts, 2);
  EXPECT_EQ(routers_.memberships.at(router.url).workers.size(), 1U);
  worker->state = wire::WorkerState::kReady;
  Pass();
  EXPECT_EQ(routers_.puts, 3);
  EXPECT_EQ(routers_.memberships.at(router.url).workers.size(), 2U);

  // The router's process restarted (it starts empty): told again, same set.
  routers_.memberships.clear();
  ++router.restarts;
  router.pid = 4242;
  Pass();
  EXPECT_EQ(routers_.puts, 4);
  EXPECT_EQ(routers_.memberships.at(router.url).workers.size(), 2U);
  Pass();
  EXPECT_EQ(routers_.puts, 4);
}

TEST_F(RouterReconcilerTest, ARouterThatCannotBeToldIsNotReadyAndIsToldByALaterPass) {
  store_.Apply(Aggregated(1, 8192, "", 1));
  Pass();
  agents_.Settle();
  routers_.fail_puts = "connection refused";
  Pass();
  EXPECT_EQ(Status().endpoint, "");
  EXPECT_EQ(Status().roles.at(WorkerRole::kRouter).ready, 0);
  EXPECT_EQ(Condition("Ready").status, "False");
  EXPECT_EQ(Condition("Degraded").reason, "AgentError");
  EXPECT_THAT(Condition("Degraded").message, HasSubstr("connection refused"));
  EXPECT_FALSE(last_.status.ok()) << "retried with backoff";

  routers_.fail_puts.clear();
  Pass();
  EXPECT_EQ(Status().endpoint, Routers().front()->url);
  EXPECT_EQ(Condition("Ready").status, "True");
  EXPECT_EQ(Condition("Degraded").status, "False");
}

TEST_F(RouterReconcilerTest, TheEndpointIsTheRouterReadyLongest) {
  ApplyAndSettle(Aggregated(2, 8192, "", 2));
  std::vector<ObservedWorker*> routers = Routers();
  ASSERT_EQ(routers.size(), 2U);
  const auto now = std::chrono::system_clock::now();
  routers[0]->state_since = now;
  routers[1]->state_since = now - std::chrono::minutes(1);
  Pass();
  EXPECT_EQ(Status().endpoint, routers[1]->url);
  routers[0]->state_since = now - std::chrono::minutes(2);  // not seen to change while ready
  routers[1]->state = wire::WorkerState::kBackoff;
  Pass();
  EXPECT_EQ(Status().endpoint, routers[0]->url) << "the other one, while this one is down";
}

TEST_F(RouterReconcilerTest, ARouterSettingChangeRollsTheRoutersOutAndLeavesTheWorkers) {
  ApplyAndSettle(Aggregated(2, 8192, "", 1));
  Pass();
  const std::string old_router = Routers().front()->id;
  const int puts = agents_.TotalPuts();
  store_.Apply(Aggregated(2, 8192, "", 1)
                   .replace(Aggregated(2, 8192, "", 1).find("router: {replicas: 1}"), 21,
                            "router: {replicas: 1, policy: round_robin}"));
  Pass();
  EXPECT_EQ(agents_.TotalPuts(), puts + 1) << "one new router, no new worker";
  agents_.Settle();
  Pass();
  agents_.Settle();
  Pass();
  const std::vector<ObservedWorker*> routers = Routers();
  ASSERT_EQ(routers.size(), 1U);
  EXPECT_NE(routers[0]->id, old_router);
  EXPECT_THAT(routers[0]->spec.settings.extra_args, ElementsAre("--policy", "round_robin"));
  EXPECT_EQ(Status().endpoint, routers[0]->url);
  EXPECT_EQ(Condition("Ready").status, "True");
}

TEST_F(RouterReconcilerTest, NoRoutersNoEndpointNorRouterStatus) {
  ApplyAndSettle(Aggregated(1, 8192, "", 1));
  Pass();
  ASSERT_EQ(Routers().size(), 1U);
  store_.Apply(Aggregated(1));
  Pass();
  agents_.Settle();
  Pass();
  EXPECT_THAT(Routers(), IsEmpty());
  EXPECT_EQ(Status().endpoint, "");
  EXPECT_FALSE(Status().roles.contains(WorkerRole::kRouter));
  EXPECT_EQ(Condition("Ready").status, "True");
}

TEST_F(RouterReconcilerTest, ARestartedControllerTellsEachRouterOnceAndStartsNothing) {
  ApplyAndSettle(Aggregated(2, 8192, "", 1));
  Pass();
  const int puts = agents_.TotalPuts();
  const int router_puts = routers_.puts;
  FleetMonitor monitor(agents_, agents_, clock_, {}, testing::QuietLogger());
  DeploymentReconciler restarted(store_, monitor, agents_, routers_, clock_, {},
                                 testing::QuietLogger());
  for (int pass = 0; pass < 2; ++pass) {
    monitor.PollOnce();
    for (const resources::ObjectKey& key : restarted.AllKeys()) restarted.Reconcile(key);
  }
  EXPECT_EQ(agents_.TotalPuts(), puts);
  EXPECT_EQ(agents_.TotalDeletes(), 0);
  EXPECT_EQ(routers_.puts, router_puts + 1);
}

TEST_F(RouterReconcilerTest, TheStoreIsToldWhereTheReadyRoutersAre) {
  store_.Apply(Aggregated(2, 8192, "", 2));
  Pass();
  EXPECT_TRUE(store_.endpoints.at(kLlama).empty()) << "a Service, no router ready yet";
  agents_.Settle();
  Pass();
  std::vector<RouterAddress> expected;
  for (const ObservedWorker* router : Routers()) {
    expected.push_back({.host = NodeOf(router->id),
                        .port = std::stoi(router->url.substr(router->url.rfind(':') + 1))});
  }
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(store_.endpoints.at(kLlama), expected);

  store_.Apply(Aggregated(2));
  Pass();
  EXPECT_FALSE(store_.endpoints.contains(kLlama)) << "no routers wanted: no Service";
}

TEST_F(RouterReconcilerTest, AnUnreadableManifestKeepsTheRoutersFedAndTheServiceUp) {
  ApplyAndSettle(Aggregated(2, 8192, "", 1));
  Pass();
  const std::vector<RouterAddress> endpoints = store_.endpoints.at(kLlama);
  ASSERT_EQ(endpoints.size(), 1U);
  DeploymentRecord& record = store_.Record(kLlama);
  record.spec.reset();
  record.error = InvalidArgumentError("spec.router.policy: must be round_robin, ...");
  std::vector<ObservedWorker*> workers;
  for (const char* node : {"node-a", "node-b", "node-c"}) {
    for (auto& [id, worker] : agents_.Node(node).workers) {
      if (worker.spec.role == WorkerRole::kAggregated) workers.push_back(&worker);
    }
  }
  ASSERT_EQ(workers.size(), 2U);
  workers.front()->state = wire::WorkerState::kBackoff;
  Pass();
  const ObservedWorker& router = *Routers().front();
  EXPECT_EQ(routers_.memberships.at(router.url).workers.size(), 1U)
      << "the workers that run are still what it routes to";
  EXPECT_EQ(store_.endpoints.at(kLlama), endpoints);
  EXPECT_EQ(Status().endpoint, router.url);
}

TEST_F(RouterReconcilerTest, DeletionDrainsTheRoutersToo) {
  ApplyAndSettle(Aggregated(1, 8192, "", 1));
  store_.MarkDeleted(kLlama);
  Pass();
  agents_.Settle();
  Pass();
  EXPECT_THAT(agents_.Workers("llama"), IsEmpty());
  EXPECT_FALSE(store_.Get(kLlama).has_value()) << "the finalizer waited for the routers too";
  EXPECT_FALSE(store_.endpoints.contains(kLlama));
}

}  // namespace
}  // namespace tessera::controller
