#include "engine/simulator/remote_kv_holds.h"

#include <algorithm>
#include <utility>

namespace tessera::simulator {
namespace {

// Enough to explain a late read of any recent request without growing with
// the engine's lifetime.
constexpr size_t kRememberedGoneHolds = 4096;

}  // namespace

RemoteKvHolds::RemoteKvHolds(const Clock& clock, std::chrono::nanoseconds timeout,
                             std::string timeout_label)
    : clock_(clock), timeout_(timeout), timeout_label_(std::move(timeout_label)) {}

void RemoteKvHolds::Hold(const std::string& request_id, std::vector<int64_t> block_ids,
                         int64_t prompt_tokens) {
  gone_.erase(request_id);
  holds_[request_id] = HeldKv{.request_id = request_id,
                              .block_ids = std::move(block_ids),
                              .prompt_tokens = prompt_tokens,
                              .expires = clock_.Now() + timeout_};
}

StatusOr<HeldKv> RemoteKvHolds::BeginRead(const std::string& request_id,
                                          const std::vector<int64_t>& block_ids) {
  const auto it = holds_.find(request_id);
  if (it == holds_.end()) {
    const auto gone = gone_.find(request_id);
    return NotFoundError("no KV blocks are held for request " + request_id + ": " +
                         (gone != gone_.end() ? gone->second : "no such prefill request"));
  }
  HeldKv& hold = it->second;
  if (hold.block_ids != block_ids) {
    return InvalidArgumentError("remote_block_ids do not match the " +
                                std::to_string(hold.block_ids.size()) +
                                " blocks held for request " + request_id);
  }
  if (hold.reading) {
    return FailedPreconditionError("the KV blocks of request " + request_id +
                                   " are being read by another decode request");
  }
  hold.reading = true;
  return hold;
}

bool RemoteKvHolds::EndRead(const std::string& request_id) {
  if (holds_.erase(request_id) == 0) return false;
  RememberGone(request_id, "a decode worker has read them (or gave up reading) already");
  return true;
}

std::vector<std::string> RemoteKvHolds::Expire() {
  const auto now = clock_.Now();
  std::vector<std::string> expired;
  for (const auto& [id, hold] : holds_) {
    if (!hold.reading && hold.expires <= now) expired.push_back(id);
  }
  // Oldest first, so callers log and free in a stable order.
  std::sort(expired.begin(), expired.end(), [&](const std::string& left, const std::string& right) {
    return holds_.at(left).expires < holds_.at(right).expires;
  });
  for (const std::string& id : expired) {
    holds_.erase(id);
    RememberGone(
        id, "they expired unread after " + timeout_label_ + " (VLLM_NIXL_ABORT_REQUEST_TIMEOUT)");
  }
  return expired;
}

std::optional<std::chrono::steady_clock::time_point> RemoteKvHolds::NextExpiry() const {
  std::optional<std::chrono::steady_clock::time_point> next;
  for (const auto& [id, hold] : holds_) {
    if (!hold.reading && (!next || hold.expires < *next)) next = hold.expires;
  }
  return next;
}

void RemoteKvHolds::RememberGone(const std::string& request_id, std::string reason) {
  if (gone_.insert_or_assign(request_id, std::move(reason)).second) {
    gone_order_.push_back(request_id);
  }
  while (gone_order_.size() > kRememberedGoneHolds) {
    gone_.erase(gone_order_.front());
    gone_order_.pop_front();
  }
}

}  // namespace tessera::simulator
