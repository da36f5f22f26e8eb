// Carries AdminRoutes over HTTP(S) on the project's HTTP stack
// (http/), on the agent's event loop: the routes run on the thread
// that owns the supervisor, with no hand-off between threads, and the
// server's limits bound what any client can make the agent hold:
//
//   - headers (request line included) up to max_header_bytes, else 431;
//   - the bearer token checked as soon as the headers are in, before any
//     body is read: 401 with WWW-Authenticate, and the body discarded;
//   - bodies up to max_request_bytes, declared or chunked, else 413 the
//     moment the limit is passed;
//   - at most max_connections open; at the limit a new connection takes
//     the place of the one that has waited longest for its next request;
//   - a connection idle for idle_timeout, or still sending one request
//     after request_timeout, is closed;
//   - at most max_held_requests long polls (GET /v1/workers?after=V) are
//     held at once; past that, one is answered at once and the client
//     polls again.
//
// See docs/agent.md, "Security", for what the token protects.

#ifndef TESSERA_AGENT_API_ADMIN_SERVER_H_
#define TESSERA_AGENT_API_ADMIN_SERVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "agent/api/admin_routes.h"
#include "base/logging.h"
#include "base/status.h"

namespace tessera::http {
class HttpServer;
class HttpExchange;
struct HttpResponse;
}  // namespace tessera::http

namespace tessera::agent {

struct AdminServerOptions {
  std::string host = "0.0.0.0";
  // 0 picks a free port; port() tells which.
  int port = 8470;
  size_t max_request_bytes = size_t{1} << 20;
  size_t max_header_bytes = size_t{64} << 10;
  size_t max_connections = 256;
  std::chrono::milliseconds idle_timeout{30'000};
  std::chrono::milliseconds request_timeout{30'000};
  size_t max_held_requests = 64;
  // Both set: serve HTTPS with this PEM certificate chain and key.
  std::string tls_certificate_file;
  std::string tls_private_key_file;
};

class AdminServer {
 public:
  // Not owned: `loop` and `routes` must outlive the server.
  AdminServer(boost::asio::io_context& loop, AdminRoutes& routes, AdminServerOptions options,
              Logger logger);
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;
  ~AdminServer();

  // Binds and starts serving once the loop runs; an error names the
  // address or the TLS file. Takes the supervisor's change listener, which
  // releases held long polls.
  Status Open();
  // Stops accepting and closes every connection, held long polls too. On
  // the loop's thread, or while the loop is not running.
  void Close();
  // The bound port once open.
  uint16_t port() const;

 private:
  struct HeldRequest;

  void Serve(const std::shared_ptr<http::HttpExchange>& exchange);
  void Respond(http::HttpExchange& exchange, http::HttpResponse response);
  // Answers the held request `id` with what the routes say now.
  void Release(uint64_t id);
  // After the supervisor's workers changed: answers every held request.
  void ReleaseAll();

  boost::asio::io_context& loop_;
  AdminRoutes& routes_;
  AdminServerOptions options_;
  Logger logger_;
  std::unique_ptr<http::HttpServer> server_;
  std::map<uint64_t, std::unique_ptr<HeldRequest>> held_;
  uint64_t next_held_id_ = 0;
  bool release_posted_ = false;
  // Handlers posted to the loop or waiting on a timer hold a weak copy: once
  // the server is gone they do nothing.
  std::shared_ptr<AdminServer*> self_ = std::make_shared<AdminServer*>(this);
};

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_API_ADMIN_SERVER_H_
