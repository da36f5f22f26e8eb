// An HTTP/1.1 server on Boost.Beast and Asio: the engine simulator's OpenAI
// endpoints, the router's front and the agent's admin API. Keep-alive,
// streamed (chunked) responses, optional TLS, bounded memory per connection
// and a bounded number of connections, and no threads of its own: it runs on
// an io_context the caller owns, so the caller's engine loop can run on the
// same thread and push tokens without locks or hand-offs.
//
//   boost::asio::io_context io;
//   auto server = HttpServer::Start(io, {.port = 8000},
//       [](const std::shared_ptr<HttpExchange>& exchange) {
//         if (exchange->request().path == "/health") {
//           (void)exchange->Respond(HttpResponse::Text(200, "ok"));
//         } ...
//       });
//   io.run();
//
// Not supported, by design: HTTP/2 (a prior-knowledge preface is
// answered 400 and the connection closed at once, so probes that try gRPC
// on the same port fail fast), pipelining beyond buffering the next request
// until the current response ends, trailers, and Upgrade.

#ifndef TESSERA_HTTP_HTTP_SERVER_H_
#define TESSERA_HTTP_HTTP_SERVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/logging.h"
#include "base/status.h"
#include "http/http_exchange.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace tessera::http {

class ServerCore;

struct HttpServerOptions {
  // An IP address or a name resolved once at Start(): "127.0.0.1",
  // "0.0.0.0", "::", "localhost".
  std::string host = "127.0.0.1";
  // 0 picks a free port; port() tells which.
  uint16_t port = 0;

  // A larger body is answered 413 with a JSON error, and the connection is
  // closed. Applies to declared (Content-Length) and chunked bodies alike.
  size_t max_body_bytes = size_t{16} << 20;
  // Request line and headers together; beyond it the answer is 431.
  size_t max_header_bytes = size_t{64} << 10;
  // Per exchange: queued response bytes not yet taken by the kernel; see
  // HttpExchange for what happens at the bound.
  size_t max_queued_bytes = size_t{1} << 20;
  // Open connections at most; 0 takes the process's open-file limit
  // (RLIMIT_NOFILE) less 64 descriptors for everything else, and at least
  // 16. A connection accepted at the limit takes the place of the one that
  // has waited longest for its next request (idle, or sending one slowly);
  // when every connection is being answered, the new one is closed at once.
  // Keeps descriptors and memory bounded whatever clients do, and keeps
  // the process from running out of descriptors for its own work.
  size_t max_connections = 0;
  // The descriptors one connection may cost the process in all, for the
  // default above: a proxy that opens up to two upstream connections per
  // request sets 3, so that clients alone cannot leave it none to reach its
  // upstreams with.
  size_t descriptors_per_connection = 1;

  // Both set: serve HTTPS (TLS 1.2 and newer) with this PEM certificate
  // chain and PEM private key, read at Start().
  std::string tls_certificate_file{};
  std::string tls_private_key_file{};

  // See RequestScreen; empty screens nothing.
  RequestScreen screen{};

  // How long a connection may wait for the first byte of its next request
  // (uvicorn's and vLLM's keep-alive default is 5 s).
  std::chrono::milliseconds idle_timeout{5'000};
  // How long reading one request may take from its first byte to its last.
  std::chrono::milliseconds request_timeout{30'000};
  // How long one write may wait for the client to read.
  std::chrono::milliseconds write_timeout{30'000};
  // After an error response, how long the server keeps reading (and
  // discarding) what the client still sends, so that the client can read
  // the response instead of seeing a reset.
  std::chrono::milliseconds linger_timeout{2'000};
  // How often deadlines are checked: timeouts fire up to this much late. One
  // sweep over all connections replaces a timer per connection and I/O.
  std::chrono::milliseconds timer_resolution{250};

  // Deadlines are measured on this clock; null means SystemClock::Default().
  // Not owned; must outlive the server.
  const Clock* clock = nullptr;
  Logger logger{};
};

// Called on the io_context thread once per request, when the request has
// been read in full. It may answer at once or keep the exchange and answer
// later from any thread (copy the shared_ptr to keep it). It must not throw.
using HttpHandler = std::function<void(const std::shared_ptr<HttpExchange>& exchange)>;

// Thread safety: Start() may be called from any thread. The other methods
// must be called on the io_context's thread (from a handler or a posted
// function), or while the io_context is not running; the destructor too.
// HttpExchange methods are safe from any thread.
class HttpServer {
 public:
  // Binds host:port and starts accepting once the io_context runs.
  // InvalidArgument names an option out of range, a host that does not
  // resolve or a TLS file that cannot be used; Unavailable says why binding
  // failed ("address already in use").
  static StatusOr<std::unique_ptr<HttpServer>> Start(boost::asio::io_context& io_context,
                                                     HttpServerOptions options,
                                                     HttpHandler handler);

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  // Close().
  ~HttpServer();

  // The bound port, also when options.port was 0.
  uint16_t port() const { return port_; }

  // Graceful shutdown: stops accepting, closes connections that are
  // between requests, lets responses in progress finish (their connections
  // close after them), then posts `on_drained`, which may be empty. Streams
  // that never end keep it waiting: follow with Close() to cut them off.
  void Shutdown(std::function<void()> on_drained);

  // Stops accepting and closes every connection at once. Exchanges in
  // progress end with Unavailable. Idempotent.
  void Close();

  // Open connections, for tests and metrics.
  size_t connection_count() const;

 private:
  HttpServer(std::shared_ptr<ServerCore> core, uint16_t port);

  std::shared_ptr<ServerCore> core_;
  uint16_t port_;
};

}  // namespace tessera::http

#endif  // TESSERA_HTTP_HTTP_SERVER_H_
