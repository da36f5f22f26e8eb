// The decisions of Lease-based leader election, apart from its I/O and
// threads, so they can be tested against a FakeClock. The rules are
// client-go's leaderelection.tryAcquireOrRenew:
//
// - A candidate never trusts the holder's timestamps, which come from
//   another machine's clock. It notes, on its own monotonic clock, when it
//   last saw the lease record change; the lease is expired only when it has
//   not changed for leaseDurationSeconds (the holder's) of the candidate's
//   own time. Clock skew between machines therefore cannot make two leaders.
// - Taking over writes the whole record with leaseTransitions + 1; renewing
//   keeps acquireTime and leaseTransitions. Every write is an Update with the
//   resourceVersion that was read, so two candidates racing for an expired
//   lease cannot both win.
// - A lease in this candidate's own name that it has not held in this
//   process was written by a previous process with the same identity (a
//   restart) or by a live process misconfigured with it. The candidate
//   takes it over once the record has stayed unchanged for `own_name_grace`
//   (a live holder renews more often than that), instead of waiting out the
//   whole lease.

#ifndef TESSERA_KUBE_LEASE_DECISION_H_
#define TESSERA_KUBE_LEASE_DECISION_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace tessera::kube {

// A Lease's spec, as leader election reads and writes it.
struct LeaderElectionRecord {
  std::string holder_identity{};
  int64_t lease_duration_seconds = 0;
  // MicroTime strings, as written ("2026-01-01T00:00:00.000000Z").
  std::string acquire_time{};
  std::string renew_time{};
  int64_t leader_transitions = 0;

  friend bool operator==(const LeaderElectionRecord&, const LeaderElectionRecord&) = default;
};

// Reads `lease["spec"]`; absent fields are empty or zero. InvalidArgument
// naming the field when one has the wrong type.
StatusOr<LeaderElectionRecord> RecordFromLease(const nlohmann::json& lease);

// `lease` with its spec set to `record` (other spec fields kept).
nlohmann::json LeaseWithRecord(nlohmann::json lease, const LeaderElectionRecord& record);

enum class LeaseAction {
  // No Lease exists: create it, holding it.
  kCreate,
  // Write `record` with the resourceVersion read: a renewal, or a takeover
  // of an expired or released lease.
  kUpdate,
  // Another candidate holds an unexpired lease: try again later.
  kWait,
};

struct LeaseDecision {
  LeaseAction action = LeaseAction::kWait;
  // What to write for kCreate and kUpdate.
  LeaderElectionRecord record;
};

// One candidate's view of one Lease. Not thread-safe.
class LeaseTracker {
 public:
  LeaseTracker(std::string identity, std::chrono::seconds lease_duration,
               std::chrono::milliseconds own_name_grace = std::chrono::milliseconds::zero());

  // Given the record just read (nullopt: there is no Lease) at `now`
  // (monotonic) and `wall_now` (for the timestamps written), decides what to
  // do. Notes the record, and restarts the expiry countdown, when it differs
  // from the one last noted.
  LeaseDecision Decide(const std::optional<LeaderElectionRecord>& current,
                       std::chrono::steady_clock::time_point now,
                       std::chrono::system_clock::time_point wall_now);

  // The renewal a leader writes without reading first (client-go's fast
  // path): valid only when IsLeader() && IsLeaseValid(now).
  LeaderElectionRecord RenewalRecord(std::chrono::system_clock::time_point wall_now) const;

  // The record that gives the lease up: no holder, a one-second duration, so
  // others take over at their next try (client-go's ReleaseOnCancel).
  LeaderElectionRecord ReleaseRecord(std::chrono::system_clock::time_point wall_now) const;

  // `record` was written successfully by this candidate at `now`: it is the
  // one observed from now on.
  void Observe(const LeaderElectionRecord& record, std::chrono::steady_clock::time_point now);

  // The lease names this candidate but another process wrote it; Decide()
  // waits for the record to stay unchanged for the grace.
  bool WaitingOnOwnName() const { return waiting_on_own_name_; }

  // The last record noted names this candidate, and this process wrote it
  // (a record in its name from an earlier process is not its own yet).
  bool IsLeader() const;
  // The last record noted has not expired by this candidate's clock.
  bool IsLeaseValid(std::chrono::steady_clock::time_point now) const;
  // The holder of the last record noted; empty when none.
  std::string Holder() const;

  const std::string& identity() const { return identity_; }

 private:
  // Notes a record read from the server.
  void Note(const LeaderElectionRecord& record, std::chrono::steady_clock::time_point now);

  std::string identity_;
  std::chrono::seconds lease_duration_;
  std::chrono::milliseconds own_name_grace_;
  std::optional<LeaderElectionRecord> observed_;
  std::chrono::steady_clock::time_point observed_at_{};
  // This process has held the lease: records in its name are its own.
  bool held_ = false;
  bool waiting_on_own_name_ = false;
};

}  // namespace tessera::kube

#endif  // TESSERA_KUBE_LEASE_DECISION_H_
