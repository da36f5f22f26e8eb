#include "controller/controller_loop.h"

namespace tessera::controller {

ControllerLoop::ControllerLoop(DeploymentStore& store, FleetMonitor& fleet,
                               DeploymentReconciler& reconciler, const Clock& clock,
                               std::chrono::milliseconds poll_period, Logger logger)
    : store_(store),
      fleet_(fleet),
      reconciler_(reconciler),
      poll_period_(poll_period),
      logger_(std::move(logger)),
      queue_(clock) {}

ControllerLoop::~ControllerLoop() { Stop(); }

Status ControllerLoop::Start() {
  TESSERA_RETURN_IF_ERROR(
      store_.Start([this](const resources::ObjectKey& key) { queue_.Add(key); }));
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
  stop_requested_.notify_all();
  queue_.ShutDown();
  if (poller_.joinable()) poller_.join();
  if (worker_.joinable()) worker_.join();
  store_.Stop();
}

void ControllerLoop::Poll() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    fleet_.PollOnce();
    for (const resources::ObjectKey& key : reconciler_.AllKeys()) queue_.Resync(key);
    lock.lock();
    stop_requested_.wait_for(lock, poll_period_, [this] { return stopping_; });
  }
}

void ControllerLoop::Work() {
  while (std::optional<resources::ObjectKey> key = queue_.Get()) {
    const ReconcileResult result = reconciler_.Reconcile(*key);
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
