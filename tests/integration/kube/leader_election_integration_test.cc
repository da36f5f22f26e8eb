// Leader election against a real kube-apiserver: of two electors exactly one
// leads; when the leader stops renewing (as if it crashed) the other takes
// over once the lease has gone unrenewed for its duration; a clean stop
// releases the lease for an immediate successor.

#include <array>
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "base/units.h"
#include "kube/leader_election.h"
#include "kube/lease_decision.h"
#include "tests/integration/kube/kube_test_environment.h"

namespace tessera::kube::integration {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

// Shortened from client-go's 15s/10s/2s to keep the test quick; the ratios
// (and so the safety argument) are the same.
constexpr auto kLeaseDuration = seconds(3);
constexpr auto kRenewDeadline = seconds(2);
constexpr auto kRetryPeriod = milliseconds(500);

struct Candidate {
  explicit Candidate(std::string name) : identity(std::move(name)) {}

  std::string identity;
  std::atomic<bool> leading{false};
  std::atomic<int> started{0};
  std::atomic<int> stopped{0};
  std::atomic<int64_t> started_at_ns{0};
  std::unique_ptr<LeaderElector> elector;
};

class LeaderElectionIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TESSERA_REQUIRE_KUBE();
    client_ = MakeClient(*TokenKubeconfigPath());
    ASSERT_NE(client_, nullptr);
    const Status ready = EnsureTestResources(*client_);
    ASSERT_TRUE(ready.ok()) << ready;
    lease_name_ = UniqueName("leader");
  }

  void Elect(Candidate& candidate, bool release_on_stop) {
    LeaderElectionConfig config;
    config.lease_namespace = std::string(kNamespace);
    config.lease_name = lease_name_;
    config.identity = candidate.identity;
    config.lease_duration = kLeaseDuration;
    config.renew_deadline = kRenewDeadline;
    config.retry_period = kRetryPeriod;
    config.release_on_stop = release_on_stop;
    LeaderCallbacks callbacks{
        .on_started_leading =
            [&candidate] {
              candidate.started_at_ns = steady_clock::now().time_since_epoch().count();
              ++candidate.started;
              candidate.leading = true;
            },
        .on_stopped_leading =
            [&candidate] {
              candidate.leading = false;
              ++candidate.stopped;
            },
    };
    auto elector = LeaderElector::Create(*client_, config, callbacks);
    ASSERT_TRUE(elector.ok()) << elector.status();
    candidate.elector = std::move(elector).value();
    candidate.elector->Start();
  }

  LeaderElectionRecord Record() {
    auto lease = client_->Get(resource_types::Leases(), {std::string(kNamespace), lease_name_});
    EXPECT_TRUE(lease.ok()) << lease.status();
    if (!lease.ok()) return {};
    auto record = RecordFromLease(*lease);
    EXPECT_TRUE(record.ok()) << record.status();
    return record.ok() ? *record : LeaderElectionRecord{};
  }

  std::unique_ptr<KubeClient> client_;
  std::string lease_name_;
};

TEST_F(LeaderElectionIntegrationTest, OneLeadsAndTheOtherTakesOverWhenItStopsRenewing) {
  Candidate a("candidate-a");
  Candidate b("candidate-b");
  Elect(a, /*release_on_stop=*/false);
  Elect(b, /*release_on_stop=*/false);
  ASSERT_TRUE(Eventually([&] { return a.leading || b.leading; }, seconds(10)));
  // Watch both for a while: never two leaders, no flapping.
  const auto watch_until = steady_clock::now() + 2 * kLeaseDuration;
  while (steady_clock::now() < watch_until) {
    ASSERT_FALSE(a.leading && b.leading);
    std::this_thread::sleep_for(milliseconds(10));
  }
  Candidate& leader = a.leading ? a : b;
  Candidate& follower = a.leading ? b : a;
  EXPECT_EQ(leader.started, 1);
  EXPECT_EQ(follower.started, 0);
  EXPECT_EQ(leader.elector->Leader(), leader.identity);
  EXPECT_EQ(follower.elector->Leader(), leader.identity);
  const LeaderElectionRecord held = Record();
  EXPECT_EQ(held.holder_identity, leader.identity);
  EXPECT_EQ(held.lease_duration_seconds, 3);

  // The leader stops without releasing: the lease is left to expire.
  const auto stopped_at = steady_clock::now();
  leader.elector->Stop();
  EXPECT_EQ(leader.stopped, 1);
  ASSERT_TRUE(Eventually([&] { return follower.leading.load(); }, seconds(20)));
  const auto takeover =
      std::chrono::nanoseconds(follower.started_at_ns.load()) - stopped_at.time_since_epoch();
  std::printf("takeover %s after the leader stopped renewing (lease %s, retry %s)\n",
              FormatDuration(takeover).c_str(), FormatDuration(kLeaseDuration).c_str(),
              FormatDuration(kRetryPeriod).c_str());
  // The follower noted the lease's last change up to one jittered retry
  // (2.2 x retry) after it happened, and notices expiry up to one more after
  // that; it can never take over before a full lease duration.
  EXPECT_GE(takeover, kLeaseDuration - kRetryPeriod);
  EXPECT_LE(takeover, kLeaseDuration + 2 * 2.2 * kRetryPeriod + milliseconds(500));
  const LeaderElectionRecord taken = Record();
  EXPECT_EQ(taken.holder_identity, follower.identity);
  EXPECT_EQ(taken.leader_transitions, held.leader_transitions + 1);
  follower.elector->Stop();
}

TEST_F(LeaderElectionIntegrationTest, ReleaseOnStopHandsOverAtOnce) {
  Candidate a("release-a");
  Elect(a, /*release_on_stop=*/true);
  ASSERT_TRUE(Eventually([&] { return a.leading.load(); }, seconds(10)));
  Candidate b("release-b");
  Elect(b, /*release_on_stop=*/true);
  std::this_thread::sleep_for(2 * kRetryPeriod);
  EXPECT_FALSE(b.leading);

  const auto stopped_at = steady_clock::now();
  a.elector->Stop();
  const LeaderElectionRecord released = Record();
  EXPECT_TRUE(released.holder_identity.empty() || released.holder_identity == b.identity);
  ASSERT_TRUE(Eventually([&] { return b.leading.load(); }, seconds(10)));
  const auto takeover =
      std::chrono::nanoseconds(b.started_at_ns.load()) - stopped_at.time_since_epoch();
  std::printf("takeover %s after a released lease\n", FormatDuration(takeover).c_str());
  EXPECT_LT(takeover, kLeaseDuration);
  b.elector->Stop();
  EXPECT_TRUE(Record().holder_identity.empty());
}

TEST_F(LeaderElectionIntegrationTest, ConfigurationIsChecked) {
  LeaderElectionConfig config{.lease_namespace = "ns", .lease_name = "l", .identity = "me"};
  config.renew_deadline = config.lease_duration;
  EXPECT_THAT(LeaderElector::Create(*client_, config, {}).status().message(),
              ::testing::HasSubstr("lease_duration: must be greater than renew_deadline"));
  config.renew_deadline = seconds(2);
  config.retry_period = seconds(2);
  EXPECT_THAT(LeaderElector::Create(*client_, config, {}).status().message(),
              ::testing::HasSubstr("renew_deadline: must be greater than 1.2 * retry_period"));
  config.identity = "";
  EXPECT_THAT(LeaderElector::Create(*client_, config, {}).status().message(),
              ::testing::HasSubstr("identity: is required"));
  config.identity = "b";
  config.renew_deadline = seconds(10);
  config.own_name_grace = seconds(2);
  EXPECT_THAT(LeaderElector::Create(*client_, config, {}).status().message(),
              ::testing::HasSubstr("own_name_grace: must be greater than retry_period"));
  // Stable across restarts: the hostname.
  std::array<char, 256> host{};
  ASSERT_EQ(::gethostname(host.data(), host.size() - 1), 0);
  EXPECT_EQ(DefaultLeaderIdentity(), host.data());
}

}  // namespace
}  // namespace tessera::kube::integration
