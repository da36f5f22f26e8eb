#include "controller/controller_loop.h"

namespace tessera::controller {

ControllerLoop::ControllerLoop(DeploymentStore& store, FleetMonitor& fleet,
                               DeploymentReconciler& reconciler, ControllerMetrics& metrics,
                               const Clock& clock, std::chrono::milliseconds poll_period,
                               Logger logger)
    : store_(store),
      fleet_(fleet),
      reconciler_(reconciler),
      metrics_(metrics),
      clock_(clock),
      poll_period_(poll_period),
      logger_(std::move(logger)),
      queue_(clock) {}

ControllerLoop::~ControllerLoop() { Stop(); }

Status ControllerLoop::Start() {
  TESSERA_RETURN_IF_ERROR(
      store_.Start([this](const resources::ObjectKey& key) { queue_.Add(key); }));
  fleet_.OnChange([this] {
    {
      const std::scoped_lock lock(mutex_);
      agents_changed_ = true;
    }
    wake_poller_.notify_all();
  });
  poller_ = std::thread([this] { Poll(); });
  worker_ = std::thread([this] { Work(); });
  return OkStatus();
}

void ControllerLoop::Stop() {
  {
    const std::scoped_lock lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_poller_.notify_all();
  fleet_polled_changed_.notify_all();
  queue_.ShutDown();
  if (poller_.joinable()) poller_.join();
  if (worker_.joinable()) worker_.join();
  fleet_.StopWaiting();
  fleet_.OnChange(nullptr);
  store_.Stop();
}

void ControllerLoop::Poll() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    fleet_.PollOnce();
    for (const resources::ObjectKey& key : reconciler_.AllKeys()) queue_.Resync(key);
    lock.lock();
    if (!fleet_polled_) {
      fleet_polled_ = true;
      fleet_polled_changed_.notify_all();
    }
    // Until the next poll, whatever an agent reports changed is observed
    // and reconciled at once.
    const auto next_poll = std::chrono::steady_clock::now() + poll_period_;
    while (wake_poller_.wait_until(lock, next_poll, [this] {
      return stopping_ || agents_changed_;
    }) && !stopping_) {
      agents_changed_ = false;
      lock.unlock();
      if (fleet_.PollChanged()) {
        for (const resources::ObjectKey& key : reconciler_.AllKeys()) queue_.Add(key);
      }
      lock.lock();
    }
  }
}

void ControllerLoop::Work() {
  {
    std::unique_lock lock(mutex_);
    fleet_polled_changed_.wait(lock, [this] { return stopping_ || fleet_polled_; });
  }
  while (std::optional<resources::ObjectKey> key = queue_.Get()) {
    const auto started = clock_.Now();
    const ReconcileResult result = reconciler_.Reconcile(*key);
    metrics_.RecordReconcile(result.status.ok(), clock_.Now() - started);
    if (result.status.ok()) {
      queue_.Forget(*key);
      if (result.requeue_after) queue_.AddAfter(*key, *result.requeue_after);
    } else {
      logger_.Warning("reconcile failed; retrying with backoff",
                      {{"deployment", key->ToString()},
                       {"failures", queue_.Failures(*key) + 1},
                       {"error", result.status}});
      queue_.AddRateLimited(*key);
    }
    queue_.Done(*key);
  }
}

}  // namespace tessera::controller
