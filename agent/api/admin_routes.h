// The v1 REST surface of the agent (docs/agent.md, "REST API (v1)"):
//
//   GET /healthz, GET /readyz          no auth, so kubelet probes need no secret
//   GET /metrics
//   GET /v1/node                       inventory: GPUs, partitions, who holds each
//   GET /v1/workers, GET /v1/workers/{id}
//   GET /v1/workers?after=V&timeoutSeconds=T
//                                      the list once its resourceVersion is not V,
//                                      or after T seconds (a long poll)
//   PUT /v1/workers/{id}               create or update; same spec twice is a no-op
//   DELETE /v1/workers/{id}?graceSeconds=N
//   GET /v1/workers/{id}/logs?tail=N
//   GET /v1/sd                         Prometheus HTTP service discovery
//
// Errors are JSON, {"error": {"code": 409, "status": "ALREADY_EXISTS",
// "message": "partitions: partition 3 is held by worker \"a\" (ready)"}};
// a 401 carries "WWW-Authenticate: Bearer".
// Screen() and Handle() must run on the supervisor's event loop.

#ifndef TESSERA_AGENT_API_ADMIN_ROUTES_H_
#define TESSERA_AGENT_API_ADMIN_ROUTES_H_

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "agent/api/api_types.h"
#include "agent/supervisor/supervisor.h"

namespace tessera::agent {

class AdminRoutes {
 public:
  // `token`: the bearer token every route but /healthz requires; nullopt
  // turns authentication off. `render_metrics` produces the /metrics body,
  // gzip-compressed when its argument is true.
  // `labels` are the node's, reported on /v1/node.
  AdminRoutes(Supervisor& supervisor, std::optional<std::string> token,
              std::function<std::string(bool gzip)> render_metrics, std::string hostname,
              std::map<std::string, std::string> labels = {});

  // The answer for a request that must not go past its headers (a route
  // that needs the token, without it); nullopt when the body may be read.
  // `head.body` is not looked at.
  std::optional<ApiResponse> Screen(const ApiRequest& head) const;

  // Answers `request`, screening it first.
  ApiResponse Handle(const ApiRequest& request);

  // Called after each change of the worker list's resourceVersion, from
  // inside the call that made it (see Supervisor::OnWorkersChanged).
  void OnWorkersChanged(std::function<void()> listener) {
    supervisor_.OnWorkersChanged(std::move(listener));
  }

 private:
  ApiResponse Workers(const ApiRequest& request, const std::string& rest);
  ApiResponse WorkerList(const ApiRequest& request) const;
  ApiResponse Node() const;
  ApiResponse ServiceDiscovery() const;
  bool Authorized(const std::string& authorization) const;

  Supervisor& supervisor_;
  std::optional<std::string> token_;
  std::function<std::string(bool gzip)> render_metrics_;
  std::string hostname_;
  std::map<std::string, std::string> labels_;
};

// The API's error body for `status` with `reason`'s code and message.
ApiResponse AdminErrorResponse(int status, const Status& reason);

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_API_ADMIN_ROUTES_H_
