// The reconciler on an in-memory fleet, store and routers (fake_fleet.h),
// shared by the reconciler's test files.

#ifndef TESSERA_TESTS_UNIT_CONTROLLER_RECONCILER_FIXTURE_H_
#define TESSERA_TESTS_UNIT_CONTROLLER_RECONCILER_FIXTURE_H_

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "controller/reconciler/deployment_reconciler.h"
#include "tests/unit/controller/fake_fleet.h"

namespace tessera::controller {

using testing::FakeAgents;
using testing::FakeRouters;
using testing::FakeStore;

inline constexpr int64_t kGiB = int64_t{1} << 30;
inline const resources::ObjectKey kLlama{"default", "llama"};

// With `routers` routers, none by default: most tests count engine workers;
// router_reconciler_test.cc is about routers.
inline std::string Aggregated(int replicas, int max_model_len = 8192, std::string extra = "",
                              int routers = 0) {
  return "apiVersion: serving.tessera.io/v1alpha1\nkind: ModelDeployment\n"
         "metadata: {name: llama, namespace: default}\n"
         "spec:\n  router: {replicas: " +
         std::to_string(routers) +
         "}\n"
         "  model: {source: meta-llama/Llama-3.1-8B-Instruct}\n"
         "  engine: {kind: sim, maxModelLen: " +
         std::to_string(max_model_len) + "}\n  worker: {replicas: " + std::to_string(replicas) +
         "}\n" + extra;
}

class ReconcilerTest : public ::testing::Test {
 protected:
  ReconcilerTest()
      : monitor_(agents_, agents_, clock_, {}, testing::QuietLogger()),
        reconciler_(store_, monitor_, agents_, routers_, clock_, {}, testing::QuietLogger()) {}

  // A poll of every agent followed by a pass over every key, as the
  // controller's loop does.
  void Pass() {
    monitor_.PollOnce();
    for (const resources::ObjectKey& key : reconciler_.AllKeys()) {
      last_ = reconciler_.Reconcile(key);
    }
  }
  // Applies `manifest` and runs passes until its workers are ready.
  void ApplyAndSettle(std::string_view manifest) {
    store_.Apply(manifest);
    Pass();
    agents_.Settle();
    Pass();
  }
  const resources::ModelDeploymentStatus& Status() { return store_.Record(kLlama).status; }
  const resources::Condition& Condition(const std::string& type) {
    const resources::Condition* condition = resources::FindCondition(Status().conditions, type);
    EXPECT_NE(condition, nullptr) << type;
    static const resources::Condition kMissing;
    return condition == nullptr ? kMissing : *condition;
  }
  int Count(const std::string& node) {
    int count = 0;
    for (const auto& [id, worker] : agents_.Node(node).workers) {
      if (worker.spec.deployment == "llama" && worker.state != wire::WorkerState::kDraining)
        ++count;
    }
    return count;
  }

  int Events(const std::string& reason) {
    return static_cast<int>(
        std::count_if(store_.events.begin(), store_.events.end(),
                      [&](const FakeStore::Event& event) { return event.reason == reason; }));
  }
  std::vector<std::string> Messages(const std::string& reason) {
    std::vector<std::string> messages;
    for (const FakeStore::Event& event : store_.events) {
      if (event.reason == reason) messages.push_back(event.message);
    }
    return messages;
  }

  FakeClock clock_;
  FakeAgents agents_;
  FakeRouters routers_;
  FakeStore store_;
  FleetMonitor monitor_;
  DeploymentReconciler reconciler_;
  ReconcileResult last_;
};

}  // namespace tessera::controller

#endif  // TESSERA_TESTS_UNIT_CONTROLLER_RECONCILER_FIXTURE_H_
