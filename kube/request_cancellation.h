// How a request is cancelled: by its caller's RequestCanceller, by the
// destruction of the KubeClient that sent it, or by its own watch stream.
// Internal to kube/; KubeClient is its only user, and RequestCanceller (in
// kube_client.h) is the public face of a CancelRegistry.

#ifndef TESSERA_KUBE_REQUEST_CANCELLATION_H_
#define TESSERA_KUBE_REQUEST_CANCELLATION_H_

#include <memory>
#include <mutex>
#include <set>

#include <pplx/pplxtasks.h>

#include "kube/kube_client.h"

namespace tessera::kube {

// The in-flight requests that one Cancel() must reach. Registrations are
// removed when a request ends, so a long-lived registry does not grow (pplx's
// own linked token sources never deregister, which would). Thread-safe.
class CancelRegistry {
 public:
  // Registers `source` so that Cancel() reaches it. False, registering
  // nothing, when already cancelled: the request must not start.
  bool Add(const pplx::cancellation_token_source* source);

  // Forgets `source`; a no-op when it is not registered.
  void Remove(const pplx::cancellation_token_source* source);

  // Cancels every registered source, and makes Add() fail until Reset().
  // Runs cpprest's cancellation callbacks under the registry's lock, so they
  // must not call back into it (they only close connections).
  void Cancel();

  // Lets Add() succeed again; sources cancelled already stay cancelled.
  void Reset();

  bool Cancelled() const;

 private:
  mutable std::mutex mutex_;
  bool cancelled_ = false;
  std::set<const pplx::cancellation_token_source*> active_;
};

// One request's cancellation: cancelled by its own Cancel(), by the caller's
// RequestCanceller, or by the client's destruction. Registered with both
// registries for its whole life; cancelled from the start when either was
// cancelled already. Shared ownership of the registries lets a watch stream
// outlive the client that opened it.
class CancellationScope {
 public:
  // `client` must not be null; `caller` is null when the call has no
  // RequestCanceller.
  CancellationScope(std::shared_ptr<CancelRegistry> client, std::shared_ptr<CancelRegistry> caller);
  ~CancellationScope();

  CancellationScope(const CancellationScope&) = delete;
  CancellationScope& operator=(const CancellationScope&) = delete;

  bool Cancelled() const;
  // The token to hand cpprest with the request.
  pplx::cancellation_token Token() const;
  // Callable from any thread, any number of times.
  void Cancel() const;

 private:
  std::shared_ptr<CancelRegistry> client_;
  std::shared_ptr<CancelRegistry> caller_;
  pplx::cancellation_token_source source_;
  bool cancelled_ = false;
};

// What a RequestCanceller holds: a registry shared with the requests made
// with it, so that a watch stream may outlive the canceller.
struct RequestCanceller::State {
  std::shared_ptr<CancelRegistry> registry = std::make_shared<CancelRegistry>();
};

}  // namespace tessera::kube

#endif  // TESSERA_KUBE_REQUEST_CANCELLATION_H_
