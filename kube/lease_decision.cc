#include "kube/lease_decision.h"

#include <utility>

#include "base/json_fields.h"
#include "base/time_format.h"

namespace tessera::kube {
namespace {

Status ReadString(const nlohmann::json& spec, const char* field, std::string& out) {
  const auto it = spec.find(field);
  if (it == spec.end() || it->is_null()) return OkStatus();
  if (!it->is_string()) {
    return InvalidArgumentError(std::string("spec.") + field + ": must be a string, got " +
                                DescribeJson(*it));
  }
  out = it->get<std::string>();
  return OkStatus();
}

Status ReadInteger(const nlohmann::json& spec, const char* field, int64_t& out) {
  const auto it = spec.find(field);
  if (it == spec.end() || it->is_null()) return OkStatus();
  if (!it->is_number_integer()) {
    return InvalidArgumentError(std::string("spec.") + field + ": must be an integer, got " +
                                DescribeJson(*it));
  }
  out = it->get<int64_t>();
  return OkStatus();
}

}  // namespace

StatusOr<LeaderElectionRecord> RecordFromLease(const nlohmann::json& lease) {
  LeaderElectionRecord record;
  if (!lease.is_object()) return InvalidArgumentError("lease: must be a JSON object");
  const auto spec = lease.find("spec");
  if (spec == lease.end() || spec->is_null()) return record;
  if (!spec->is_object()) return InvalidArgumentError("spec: must be a map");
  TESSERA_RETURN_IF_ERROR(ReadString(*spec, "holderIdentity", record.holder_identity));
  TESSERA_RETURN_IF_ERROR(
      ReadInteger(*spec, "leaseDurationSeconds", record.lease_duration_seconds));
  TESSERA_RETURN_IF_ERROR(ReadString(*spec, "acquireTime", record.acquire_time));
  TESSERA_RETURN_IF_ERROR(ReadString(*spec, "renewTime", record.renew_time));
  TESSERA_RETURN_IF_ERROR(ReadInteger(*spec, "leaseTransitions", record.leader_transitions));
  return record;
}

nlohmann::json LeaseWithRecord(nlohmann::json lease, const LeaderElectionRecord& record) {
  nlohmann::json& spec = lease["spec"];
  if (!spec.is_object()) spec = nlohmann::json::object();
  spec["holderIdentity"] = record.holder_identity;
  spec["leaseDurationSeconds"] = record.lease_duration_seconds;
  spec["leaseTransitions"] = record.leader_transitions;
  // The API server rejects an empty MicroTime string; absent is fine.
  const auto set_time = [&spec](const char* field, const std::string& value) {
    if (value.empty()) {
      spec.erase(field);
    } else {
      spec[field] = value;
    }
  };
  set_time("acquireTime", record.acquire_time);
  set_time("renewTime", record.renew_time);
  return lease;
}

LeaseTracker::LeaseTracker(std::string identity, std::chrono::seconds lease_duration,
                           std::chrono::milliseconds own_name_grace)
    : identity_(std::move(identity)),
      lease_duration_(lease_duration),
      own_name_grace_(own_name_grace) {}

bool LeaseTracker::IsLeader() const {
  return held_ && observed_ && observed_->holder_identity == identity_;
}

std::string LeaseTracker::Holder() const { return observed_ ? observed_->holder_identity : ""; }

bool LeaseTracker::IsLeaseValid(std::chrono::steady_clock::time_point now) const {
  if (!observed_) return false;
  // The holder's duration, not ours: it promised to renew within it.
  return observed_at_ + std::chrono::seconds(observed_->lease_duration_seconds) > now;
}

void LeaseTracker::Note(const LeaderElectionRecord& record,
                        std::chrono::steady_clock::time_point now) {
  observed_ = record;
  observed_at_ = now;
}

void LeaseTracker::Observe(const LeaderElectionRecord& record,
                           std::chrono::steady_clock::time_point now) {
  Note(record, now);
  if (record.holder_identity == identity_) held_ = true;
}

LeaderElectionRecord LeaseTracker::RenewalRecord(
    std::chrono::system_clock::time_point wall_now) const {
  const std::string now_text = FormatRfc3339Micros(wall_now);
  LeaderElectionRecord record{identity_, lease_duration_.count(), now_text, now_text, 0};
  if (observed_) {
    record.acquire_time = observed_->acquire_time;
    record.leader_transitions = observed_->leader_transitions;
  }
  return record;
}

LeaderElectionRecord LeaseTracker::ReleaseRecord(
    std::chrono::system_clock::time_point wall_now) const {
  const std::string now_text = FormatRfc3339Micros(wall_now);
  return {"", 1, now_text, now_text, observed_ ? observed_->leader_transitions : 0};
}

LeaseDecision LeaseTracker::Decide(const std::optional<LeaderElectionRecord>& current,
                                   std::chrono::steady_clock::time_point now,
                                   std::chrono::system_clock::time_point wall_now) {
  const std::string now_text = FormatRfc3339Micros(wall_now);
  LeaderElectionRecord mine{identity_, lease_duration_.count(), now_text, now_text, 0};
  if (!current) return {LeaseAction::kCreate, mine};
  // The expiry countdown restarts only when the record changes: a holder
  // that renews keeps changing renewTime; a dead one stops.
  if (!observed_ || *observed_ != *current) Note(*current, now);
  const bool in_our_name = current->holder_identity == identity_;
  waiting_on_own_name_ =
      in_our_name && !held_ && IsLeaseValid(now) && now - observed_at_ < own_name_grace_;
  if (waiting_on_own_name_) return {LeaseAction::kWait, {}};
  if (!current->holder_identity.empty() && IsLeaseValid(now) && !in_our_name) {
    return {LeaseAction::kWait, {}};
  }
  if (IsLeader()) {
    mine.acquire_time = current->acquire_time;
    mine.leader_transitions = current->leader_transitions;
  } else {
    mine.leader_transitions = current->leader_transitions + 1;
  }
  return {LeaseAction::kUpdate, mine};
}

}  // namespace tessera::kube
