#include "controller/queue/work_queue.h"

#include <algorithm>

#include "base/backoff.h"

namespace tessera::controller {
namespace {

// A blocked Get() re-reads the injected clock this often, so delayed keys
// come due even though the wait itself runs on real time.
constexpr std::chrono::milliseconds kMaxWait{100};

}  // namespace

WorkQueue::WorkQueue(const Clock& clock, WorkQueueOptions options)
    : clock_(clock), options_(options) {}

void WorkQueue::Add(const Key& key) {
  const std::scoped_lock lock(mutex_);
  if (shut_down_ || dirty_.contains(key)) return;
  dirty_.insert(key);
  delayed_.erase(key);
  if (!processing_.contains(key)) queue_.push_back(key);
  changed_.notify_one();
}

void WorkQueue::Resync(const Key& key) {
  {
    const std::scoped_lock lock(mutex_);
    if (delayed_.contains(key)) return;
  }
  Add(key);
}

void WorkQueue::AddAfter(const Key& key, std::chrono::milliseconds delay) {
  if (delay <= std::chrono::milliseconds::zero()) {
    Add(key);
    return;
  }
  const std::scoped_lock lock(mutex_);
  if (shut_down_ || dirty_.contains(key)) return;
  const auto due = clock_.Now() + delay;
  const auto [it, inserted] = delayed_.emplace(key, due);
  if (!inserted) it->second = std::min(it->second, due);
  changed_.notify_one();
}

void WorkQueue::AddRateLimited(const Key& key) {
  int failures = 0;
  {
    const std::scoped_lock lock(mutex_);
    failures = ++failures_[key];
  }
  // client-go's ItemExponentialFailureRateLimiter: no jitter.
  const BackoffPolicy backoff{
      .initial = options_.failure_base, .factor = 2.0, .cap = options_.failure_max};
  AddAfter(key, std::chrono::duration_cast<std::chrono::milliseconds>(
                    BackoffWait(backoff, failures - 1)));
}

void WorkQueue::Forget(const Key& key) {
  const std::scoped_lock lock(mutex_);
  failures_.erase(key);
}

int WorkQueue::Failures(const Key& key) const {
  const std::scoped_lock lock(mutex_);
  const auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

std::optional<WorkQueue::Key> WorkQueue::PopDueLocked() {
  const auto now = clock_.Now();
  for (auto it = delayed_.begin(); it != delayed_.end();) {
    if (it->second <= now && !dirty_.contains(it->first)) {
      dirty_.insert(it->first);
      if (!processing_.contains(it->first)) queue_.push_back(it->first);
      it = delayed_.erase(it);
    } else {
      ++it;
    }
  }
  if (queue_.empty()) return std::nullopt;
  Key key = queue_.front();
  queue_.pop_front();
  dirty_.erase(key);
  processing_.insert(key);
  return key;
}

std::optional<WorkQueue::Key> WorkQueue::TryGet() {
  const std::scoped_lock lock(mutex_);
  if (shut_down_) return std::nullopt;
  return PopDueLocked();
}

std::optional<WorkQueue::Key> WorkQueue::Get() {
  std::unique_lock lock(mutex_);
  while (!shut_down_) {
    if (std::optional<Key> key = PopDueLocked()) return key;
    std::chrono::milliseconds wait = kMaxWait;
    for (const auto& [key, due] : delayed_) {
      wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(due - clock_.Now()));
    }
    changed_.wait_for(lock, std::max(wait, std::chrono::milliseconds(1)));
  }
  return std::nullopt;
}

void WorkQueue::Done(const Key& key) {
  const std::scoped_lock lock(mutex_);
  processing_.erase(key);
  if (dirty_.contains(key)) {
    queue_.push_back(key);
    changed_.notify_one();
  }
}

void WorkQueue::ShutDown() {
  const std::scoped_lock lock(mutex_);
  shut_down_ = true;
  changed_.notify_all();
}

size_t WorkQueue::Length() const {
  const std::scoped_lock lock(mutex_);
  return queue_.size();
}

}  // namespace tessera::controller
