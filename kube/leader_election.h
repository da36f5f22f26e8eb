// Leader election on a coordination.k8s.io/v1 Lease, like client-go's
// leaderelection package, so that of several controller replicas exactly one
// acts at a time. The decisions are in lease_decision.h; this is the loop
// that reads and writes the Lease:
//
//   candidate: every retry_period (jittered by up to 1.2x, as client-go
//     does) read the Lease; create it if missing; take it over when it is
//     released or has not changed for its leaseDurationSeconds of our own
//     time. On success: leader, on_started_leading().
//   leader: renew every retry_period. When renewals keep failing for
//     renew_deadline, leadership is lost: on_stopped_leading(), and back to
//     candidate. Because renew_deadline < lease_duration, a leader that
//     cannot renew gives up before any other candidate may take over.
//   Stop(): a leader releases the Lease (holderIdentity cleared, duration
//     1s) when release_on_stop, so a successor need not wait out the lease.

#ifndef TESSERA_KUBE_LEADER_ELECTION_H_
#define TESSERA_KUBE_LEADER_ELECTION_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "base/backoff.h"
#include "base/clock.h"
#include "base/logging.h"
#include "base/status.h"
#include "kube/kube_client.h"
#include "kube/lease_decision.h"
#include "kube/stoppable_thread.h"

namespace tessera::kube {

struct LeaderElectionConfig {
  std::string lease_namespace{};
  std::string lease_name{};
  // Stable across restarts of one replica and distinct between replicas:
  // DefaultLeaderIdentity() (the hostname, which is the pod name in a pod)
  // unless the caller has a better one. A restarted replica then takes its
  // own lease back after own_name_grace rather than the whole lease.
  std::string identity{};
  // client-go's defaults. lease_duration is written in whole seconds.
  std::chrono::milliseconds lease_duration{std::chrono::seconds(15)};
  std::chrono::milliseconds renew_deadline{std::chrono::seconds(10)};
  std::chrono::milliseconds retry_period{std::chrono::seconds(2)};
  // How long a lease in this identity's name, written by another process,
  // must stay unrenewed before this one takes it over: more than a live
  // holder's renewal interval, so that two live processes given the same
  // identity never both lead.
  std::chrono::milliseconds own_name_grace{std::chrono::seconds(5)};
  bool release_on_stop = true;
  // Null means SystemClock::Default(). Not owned.
  const Clock* clock = nullptr;
  // Jitters the candidate's retries. Null means NonDeterministicUniformRandom().
  UniformRandom random{};
  Logger logger{};
};

// Run on the elector's thread, one at a time; they must return promptly
// (start or stop work elsewhere), and must not call Stop().
struct LeaderCallbacks {
  // This process is the leader from now until on_stopped_leading.
  std::function<void()> on_started_leading{};
  // Leadership is lost (renewals failed for renew_deadline, or another
  // candidate holds the Lease) or given up by Stop(). Stop acting now.
  std::function<void()> on_stopped_leading{};
  // The holder observed changed (including to this process).
  std::function<void(const std::string& identity)> on_new_leader{};
};

class LeaderElector {
 public:
  // InvalidArgument naming the field unless: lease name, namespace and
  // identity are set; every duration is positive and lease_duration at least
  // a second; lease_duration > renew_deadline > 1.2 * retry_period (client-go's
  // rules, which keep a leader that cannot renew from overlapping its
  // successor). `client` must outlive the elector.
  static StatusOr<std::unique_ptr<LeaderElector>> Create(KubeClient& client,
                                                         LeaderElectionConfig config,
                                                         LeaderCallbacks callbacks);
  // Stop().
  ~LeaderElector();
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // Starts campaigning on a thread of its own; no-op when running.
  void Start();
  // Ends the campaign: in-flight requests are cancelled, a leader releases
  // the Lease (release_on_stop) and gets on_stopped_leading. Returns once
  // the thread has ended. Idempotent; Start() may follow.
  void Stop();

  // Between on_started_leading and on_stopped_leading.
  bool IsLeader() const { return leading_.load(); }
  // The holder last observed; empty when none.
  std::string Leader() const;
  const std::string& identity() const { return config_.identity; }

 private:
  LeaderElector(KubeClient& client, LeaderElectionConfig config, LeaderCallbacks callbacks);

  void Run();
  // One client-go tryAcquireOrRenew; true when this process holds the Lease.
  bool TryAcquireOrRenew(std::chrono::milliseconds request_timeout);
  void Release();
  void ReportTransition();

  KubeClient& client_;
  LeaderElectionConfig config_;
  LeaderCallbacks callbacks_;
  const Clock& clock_;
  LeaseTracker tracker_;
  // The Lease as last written or read, whose resourceVersion the next write
  // carries.
  nlohmann::json lease_;
  std::string reported_leader_;
  std::atomic<bool> leading_{false};
  // Said once that the lease in our name is being waited on.
  bool warned_own_name_ = false;

  mutable std::mutex mutex_;
  std::string leader_;  // guarded by mutex_
  StoppableThread thread_;
};

// The hostname (the pod name in a pod; "tessera" when there is none).
// Replicas sharing a host need identities of their own.
std::string DefaultLeaderIdentity();

}  // namespace tessera::kube

#endif  // TESSERA_KUBE_LEADER_ELECTION_H_
