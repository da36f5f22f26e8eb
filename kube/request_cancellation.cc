#include "kube/request_cancellation.h"

#include <utility>

namespace tessera::kube {

bool CancelRegistry::Add(const pplx::cancellation_token_source* source) {
  const std::lock_guard lock(mutex_);
  if (cancelled_) return false;
  active_.insert(source);
  return true;
}

void CancelRegistry::Remove(const pplx::cancellation_token_source* source) {
  const std::lock_guard lock(mutex_);
  active_.erase(source);
}

void CancelRegistry::Cancel() {
  const std::lock_guard lock(mutex_);
  cancelled_ = true;
  // Runs cpprest's callbacks, which close the connections; they never call
  // back into the registry.
  for (const pplx::cancellation_token_source* source : active_) source->cancel();
}

void CancelRegistry::Reset() {
  const std::lock_guard lock(mutex_);
  cancelled_ = false;
}

bool CancelRegistry::Cancelled() const {
  const std::lock_guard lock(mutex_);
  return cancelled_;
}

CancellationScope::CancellationScope(std::shared_ptr<CancelRegistry> client,
                                     std::shared_ptr<CancelRegistry> caller)
    : client_(std::move(client)), caller_(std::move(caller)) {
  cancelled_ = !client_->Add(&source_);
  if (caller_ && !caller_->Add(&source_)) cancelled_ = true;
  if (cancelled_) source_.cancel();
}

CancellationScope::~CancellationScope() {
  client_->Remove(&source_);
  if (caller_) caller_->Remove(&source_);
}

bool CancellationScope::Cancelled() const { return source_.get_token().is_canceled(); }

pplx::cancellation_token CancellationScope::Token() const { return source_.get_token(); }

void CancellationScope::Cancel() const { source_.cancel(); }

RequestCanceller::RequestCanceller() : state_(std::make_unique<State>()) {}
RequestCanceller::~RequestCanceller() = default;
void RequestCanceller::Cancel() { state_->registry->Cancel(); }
void RequestCanceller::Reset() { state_->registry->Reset(); }
bool RequestCanceller::cancelled() const { return state_->registry->Cancelled(); }

}  // namespace tessera::kube
