#include "http/client_core.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace tessera::http {

ClientCore::ClientCore(boost::asio::io_context& io_context, HttpClientOptions options)
    : io_context_(io_context),
      options_(options),
      clock_(options_.clock != nullptr ? *options_.clock : SystemClock::Default()),
      pool_(options_.max_idle_connections_per_host),
      sweep_timer_(io_context) {}

void ClientCore::Begin(const std::shared_ptr<HttpCall>& call) {
  if (closed_) {
    call->Abandon();
    return;
  }
  calls_.emplace(call.get(), call);
  EnsureSweep();
  call->Begin(*this);
}

void ClientCore::Close() {
  closed_ = true;
  sweep_timer_.cancel();
  std::unordered_map<HttpCall*, std::shared_ptr<HttpCall>> calls;
  calls.swap(calls_);
  for (const auto& [key, call] : calls) call->Abandon();
  pool_.Clear();
}

std::unique_ptr<ClientConnection> ClientCore::AcquireConnection(std::string_view authority) {
  return pool_.Acquire(authority);
}

void ClientCore::ReleaseConnection(std::unique_ptr<ClientConnection> connection) {
  if (closed_ || options_.max_idle_connections_per_host == 0) return;
  pool_.Release(std::move(connection), clock_.Now());
  EnsureSweep();
}

void ClientCore::Remove(HttpCall* call) { calls_.erase(call); }

void ClientCore::EnsureSweep() {
  if (sweep_scheduled_ || closed_) return;
  sweep_scheduled_ = true;
  sweep_timer_.expires_after(std::max(options_.timer_resolution, std::chrono::milliseconds(1)));
  sweep_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
    self->sweep_scheduled_ = false;
    if (error || self->closed_) return;
    self->Sweep();
    if (!self->calls_.empty() || !self->pool_.empty()) self->EnsureSweep();
  });
}

void ClientCore::Sweep() {
  const std::chrono::steady_clock::time_point now = clock_.Now();
  std::vector<std::shared_ptr<HttpCall>> expired;
  for (const auto& [key, call] : calls_) {
    if (call->DeadlinePassed(now)) expired.push_back(call);
  }
  for (const std::shared_ptr<HttpCall>& call : expired) call->OnDeadline(now);
  pool_.CloseIdleSince(now - options_.pool_idle_timeout);
}

}  // namespace tessera::http
