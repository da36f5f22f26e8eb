#include "kube/leader_election.h"

#include <algorithm>
#include <array>
#include <utility>

#include <unistd.h>

#include "base/units.h"
#include "kube/resource_type.h"

namespace tessera::kube {
namespace {

// client-go's JitterFactor: candidates retry after retry_period times a
// random factor in [1, 2.2).
constexpr double kRetryJitter = 1.2;

std::chrono::milliseconds AtLeastOneSecond(std::chrono::nanoseconds duration) {
  return std::max(std::chrono::milliseconds(std::chrono::seconds(1)),
                  std::chrono::duration_cast<std::chrono::milliseconds>(duration));
}

}  // namespace

std::string DefaultLeaderIdentity() {
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) == 0 && host[0] != '\0') return host.data();
  return "tessera";
}

StatusOr<std::unique_ptr<LeaderElector>> LeaderElector::Create(KubeClient& client,
                                                               LeaderElectionConfig config,
                                                               LeaderCallbacks callbacks) {
  using std::chrono::milliseconds;
  if (config.lease_name.empty()) return InvalidArgumentError("lease_name: is required");
  if (config.lease_namespace.empty()) return InvalidArgumentError("lease_namespace: is required");
  if (config.identity.empty()) return InvalidArgumentError("identity: is required");
  if (config.lease_duration < std::chrono::seconds(1)) {
    return InvalidArgumentError("lease_duration: must be at least 1s, got " +
                                FormatDuration(config.lease_duration));
  }
  if (config.renew_deadline <= milliseconds::zero() ||
      config.retry_period <= milliseconds::zero()) {
    return InvalidArgumentError("renew_deadline and retry_period: must be positive");
  }
  if (config.lease_duration <= config.renew_deadline) {
    return InvalidArgumentError("lease_duration: must be greater than renew_deadline (" +
                                FormatDuration(config.lease_duration) +
                                " <= " + FormatDuration(config.renew_deadline) + ")");
  }
  if (static_cast<double>(config.renew_deadline.count()) <=
      kRetryJitter * static_cast<double>(config.retry_period.count())) {
    return InvalidArgumentError("renew_deadline: must be greater than 1.2 * retry_period (" +
                                FormatDuration(config.renew_deadline) + " <= 1.2 * " +
                                FormatDuration(config.retry_period) + ")");
  }
  if (config.own_name_grace <= config.retry_period) {
    return InvalidArgumentError("own_name_grace: must be greater than retry_period (" +
                                FormatDuration(config.own_name_grace) +
                                " <= " + FormatDuration(config.retry_period) + ")");
  }
  if (!config.random) config.random = NonDeterministicUniformRandom();
  return std::unique_ptr<LeaderElector>(
      new LeaderElector(client, std::move(config), std::move(callbacks)));
}

LeaderElector::LeaderElector(KubeClient& client, LeaderElectionConfig config,
                             LeaderCallbacks callbacks)
    : client_(client),
      config_(std::move(config)),
      callbacks_(std::move(callbacks)),
      clock_(config_.clock != nullptr ? *config_.clock : SystemClock::Default()),
      tracker_(config_.identity,
               std::chrono::duration_cast<std::chrono::seconds>(config_.lease_duration),
               config_.own_name_grace) {
  config_.logger = config_.logger.WithComponent("leader-election")
                       .With({{"lease", config_.lease_namespace + "/" + config_.lease_name},
                              {"identity", config_.identity}});
}

LeaderElector::~LeaderElector() { Stop(); }

void LeaderElector::Start() {
  thread_.Start([this] { Run(); });
}

void LeaderElector::Stop() { thread_.Stop(); }

std::string LeaderElector::Leader() const {
  const std::lock_guard lock(mutex_);
  return leader_;
}

void LeaderElector::ReportTransition() {
  const std::string holder = tracker_.Holder();
  {
    const std::lock_guard lock(mutex_);
    leader_ = holder;
  }
  if (holder == reported_leader_) return;
  reported_leader_ = holder;
  if (holder.empty()) return;
  config_.logger.Info("new leader", {{"leader", holder}});
  if (callbacks_.on_new_leader) callbacks_.on_new_leader(holder);
}

bool LeaderElector::TryAcquireOrRenew(std::chrono::milliseconds request_timeout) {
  const ResourceType& leases = resource_types::Leases();
  const ObjectKey key{config_.lease_namespace, config_.lease_name};
  const CallOptions call{.timeout = request_timeout, .canceller = &thread_.canceller()};
  const auto now = clock_.Now();
  const auto wall_now = clock_.WallNow();

  // 1. The leader's fast path: write the renewal over the Lease it last
  // wrote, without reading first; a conflict falls back to the slow path.
  if (tracker_.IsLeader() && tracker_.IsLeaseValid(now) && !lease_.is_null()) {
    const LeaderElectionRecord record = tracker_.RenewalRecord(wall_now);
    auto updated = client_.Update(leases, LeaseWithRecord(lease_, record), call);
    if (updated.ok()) {
      lease_ = std::move(updated).value();
      tracker_.Observe(record, now);
      return true;
    }
    if (updated.status().code() == StatusCode::kCancelled) return false;  // Stop()
    config_.logger.Warning("renewing the lease failed; re-reading it",
                           {{"error", updated.status()}});
  }

  // 2. Read the Lease, or create it.
  auto current = client_.Get(leases, key, call);
  if (!current.ok()) {
    if (current.status().code() != StatusCode::kNotFound) {
      if (current.status().code() != StatusCode::kCancelled) {
        config_.logger.Warning("reading the lease failed", {{"error", current.status()}});
      }
      return false;
    }
    const LeaseDecision decision = tracker_.Decide(std::nullopt, now, wall_now);
    nlohmann::json lease = {
        {"apiVersion", leases.ApiVersion()},
        {"kind", leases.kind},
        {"metadata", {{"name", config_.lease_name}, {"namespace", config_.lease_namespace}}},
    };
    auto created = client_.Create(leases, config_.lease_namespace,
                                  LeaseWithRecord(std::move(lease), decision.record), call);
    if (!created.ok()) {
      if (created.status().code() == StatusCode::kCancelled) return false;
      if (created.status().code() == StatusCode::kAlreadyExists) {
        // Another candidate created it between our read and our create: the
        // next try reads it like any other held lease.
        config_.logger.Info("another candidate created the lease first");
      } else {
        config_.logger.Warning("creating the lease failed", {{"error", created.status()}});
      }
      return false;
    }
    lease_ = std::move(created).value();
    tracker_.Observe(decision.record, now);
    return true;
  }
  auto record = RecordFromLease(*current);
  if (!record.ok()) {
    config_.logger.Warning("the lease is malformed", {{"error", record.status()}});
    return false;
  }

  // 3. Decide against our own observation of it.
  const LeaseDecision decision = tracker_.Decide(*record, now, wall_now);
  if (decision.action == LeaseAction::kWait) {
    if (tracker_.WaitingOnOwnName() && !warned_own_name_) {
      warned_own_name_ = true;
      config_.logger.Info(
          "the lease names this identity: taking it over unless another process renews it",
          {{"grace", config_.own_name_grace}});
    }
    lease_ = std::move(current).value();
    return false;
  }

  // 4. Take it over or renew it, conditional on the version just read.
  auto updated =
      client_.Update(leases, LeaseWithRecord(std::move(current).value(), decision.record), call);
  if (!updated.ok()) {
    if (updated.status().code() != StatusCode::kCancelled) {
      config_.logger.Warning("updating the lease failed", {{"error", updated.status()}});
    }
    return false;
  }
  lease_ = std::move(updated).value();
  tracker_.Observe(decision.record, now);
  return true;
}

void LeaderElector::Release() {
  if (!tracker_.IsLeader() || lease_.is_null()) return;
  const ResourceType& leases = resource_types::Leases();
  const LeaderElectionRecord record = tracker_.ReleaseRecord(clock_.WallNow());
  // Without the canceller, which Stop() has cancelled.
  const CallOptions call{.timeout = AtLeastOneSecond(config_.renew_deadline)};
  auto updated = client_.Update(leases, LeaseWithRecord(lease_, record), call);
  if (!updated.ok() && updated.status().code() == StatusCode::kAborted) {
    // A renewal cancelled by Stop() may have reached the server after all,
    // leaving our copy a version behind: release what is there if it is
    // still ours.
    auto current = client_.Get(leases, {config_.lease_namespace, config_.lease_name}, call);
    if (current.ok()) {
      auto holder = RecordFromLease(*current);
      if (holder.ok() && holder->holder_identity == config_.identity) {
        updated = client_.Update(leases, LeaseWithRecord(std::move(current).value(), record), call);
      }
    }
  }
  if (!updated.ok()) {
    config_.logger.Warning("releasing the lease failed", {{"error", updated.status()}});
    return;
  }
  lease_ = std::move(updated).value();
  tracker_.Observe(record, clock_.Now());
  config_.logger.Info("released the lease");
}

void LeaderElector::Run() {
  while (!thread_.stopping()) {
    // Candidate: client-go's acquire(), wait.JitterUntil(retry_period, 1.2).
    bool acquired = false;
    while (!thread_.stopping()) {
      acquired = TryAcquireOrRenew(AtLeastOneSecond(config_.renew_deadline));
      ReportTransition();
      if (acquired) break;
      if (!thread_.SleepFor(Jitter(config_.retry_period, kRetryJitter, config_.random))) break;
    }
    if (!acquired) break;
    config_.logger.Info("became the leader");
    leading_.store(true);
    if (callbacks_.on_started_leading) callbacks_.on_started_leading();

    // Leader: client-go's renew(). Each round polls every retry_period until
    // a renewal succeeds or renew_deadline has passed since the round began.
    bool lost = false;
    while (!thread_.stopping()) {
      const auto deadline = clock_.Now() + config_.renew_deadline;
      bool renewed = false;
      while (!thread_.stopping()) {
        const auto left = deadline - clock_.Now();
        renewed = TryAcquireOrRenew(AtLeastOneSecond(left));
        ReportTransition();
        if (renewed || !tracker_.IsLeader()) break;
        if (clock_.Now() + config_.retry_period > deadline) break;
        if (!thread_.SleepFor(config_.retry_period)) break;
      }
      if (thread_.stopping()) break;
      if (!renewed) {
        lost = true;
        break;
      }
      if (!thread_.SleepFor(config_.retry_period)) break;
    }
    if (lost) {
      config_.logger.Warning("lost the leadership", {{"holder", tracker_.Holder()}});
    } else if (config_.release_on_stop) {
      Release();
      ReportTransition();
    }
    leading_.store(false);
    if (callbacks_.on_stopped_leading) callbacks_.on_stopped_leading();
  }
}

}  // namespace tessera::kube
