#include "controller/reconciler/role_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::controller {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

RoleWorker Worker(std::string id, bool updated, bool ready, double load = 0, int ordinal = 0) {
  return {
      .id = std::move(id), .updated = updated, .ready = ready, .load = load, .ordinal = ordinal};
}

resources::RolloutSpec Rollout(int surge, int unavailable) {
  return {.max_surge = surge, .max_unavailable = unavailable, .drain_grace_seconds = 30};
}

TEST(RolePlanTest, StartsTheMissing) {
  const std::vector<RoleWorker> workers = {Worker("a", true, true)};
  const RolePlan plan = PlanRole(workers, 3, Rollout(1, 0));
  EXPECT_EQ(plan.create, 2);
  EXPECT_THAT(plan.remove, IsEmpty());
}

TEST(RolePlanTest, ScaleDownRemovesNotReadyThenLeastLoadedThenNewest) {
  const std::vector<RoleWorker> workers = {
      Worker("busy", true, true, 9, 0), Worker("idle-old", true, true, 1, 1),
      Worker("idle-new", true, true, 1, 2), Worker("starting", true, false, 0, 3)};
  const RolePlan plan = PlanRole(workers, 1, Rollout(1, 0));
  EXPECT_EQ(plan.create, 0);
  EXPECT_THAT(plan.remove, ElementsAre("starting", "idle-new", "idle-old"));
}

// A node lost and back: its worker was replaced while it was away. The
// replacement stays even while it is still loading and newer, so the outcome
// does not depend on how fast engines load.
TEST(RolePlanTest, ASurplusFromAReturnedNodeRemovesThatNodesWorkers) {
  std::vector<RoleWorker> workers = {Worker("kept", true, true, 0, 0),
                                     Worker("returned", true, true, 0, 1),
                                     Worker("replacement", true, false, 0, 2)};
  workers[1].on_returned_node = true;
  const RolePlan plan = PlanRole(workers, 2, Rollout(1, 0));
  EXPECT_EQ(plan.create, 0);
  EXPECT_THAT(plan.remove, ElementsAre("returned"));
}

TEST(RolePlanTest, RollingUpdateWithSurgeNeverDropsBelowDesiredReady) {
  // Two old ready workers, maxSurge 1, maxUnavailable 0.
  std::vector<RoleWorker> workers = {Worker("old-0", false, true), Worker("old-1", false, true)};
  RolePlan plan = PlanRole(workers, 2, Rollout(1, 0));
  EXPECT_EQ(plan.create, 1);
  EXPECT_THAT(plan.remove, IsEmpty());
  // The new worker is starting: wait.
  workers.push_back(Worker("new-0", true, false));
  plan = PlanRole(workers, 2, Rollout(1, 0));
  EXPECT_EQ(plan.create, 0);
  EXPECT_THAT(plan.remove, IsEmpty());
  // Ready: one old worker may go.
  workers.back().ready = true;
  plan = PlanRole(workers, 2, Rollout(1, 0));
  EXPECT_EQ(plan.create, 0);
  EXPECT_EQ(plan.remove.size(), 1U);
  workers.erase(workers.begin());
  plan = PlanRole(workers, 2, Rollout(1, 0));
  EXPECT_EQ(plan.create, 1);
  EXPECT_THAT(plan.remove, IsEmpty());
}

TEST(RolePlanTest, RollingUpdateWithoutSurgeTakesOneDownAtATime) {
  const std::vector<RoleWorker> workers = {Worker("old-0", false, true, 5),
                                           Worker("old-1", false, true, 1)};
  const RolePlan plan = PlanRole(workers, 2, Rollout(0, 1));
  EXPECT_EQ(plan.create, 0);
  EXPECT_THAT(plan.remove, ElementsAre("old-1"));
}

TEST(RolePlanTest, OldWorkersThatServeNothingGoAtOnce) {
  const std::vector<RoleWorker> workers = {
      Worker("old-0", false, false), Worker("old-1", false, false), Worker("old-2", false, true)};
  const RolePlan plan = PlanRole(workers, 3, Rollout(1, 0));
  EXPECT_EQ(plan.create, 1);
  EXPECT_THAT(plan.remove, ElementsAre("old-0", "old-1"));
}

TEST(RolePlanTest, ScaleToZeroDuringARolloutRemovesEverything) {
  const std::vector<RoleWorker> workers = {Worker("old", false, true), Worker("new", true, true)};
  const RolePlan plan = PlanRole(workers, 0, Rollout(1, 0));
  EXPECT_EQ(plan.create, 0);
  EXPECT_THAT(plan.remove, ElementsAre("old", "new"));
}

TEST(RolePlanTest, ConvergedIsANoOp) {
  const std::vector<RoleWorker> workers = {Worker("a", true, true), Worker("b", true, false)};
  const RolePlan plan = PlanRole(workers, 2, Rollout(1, 0));
  EXPECT_EQ(plan.create, 0);
  EXPECT_THAT(plan.remove, IsEmpty());
}

}  // namespace
}  // namespace tessera::controller
